from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_reference_triggers(sender, using, **kwargs) -> None:
    # After every migrate (SQLite drops a table's triggers when a migration rebuilds it).
    from liaison.core.reference import install_triggers

    install_triggers(using=using)


class CoreConfig(AppConfig):
    name = "liaison.core"
    label = "core"
    verbose_name = "Liaison core"

    def ready(self) -> None:
        post_migrate.connect(_install_reference_triggers, sender=self, dispatch_uid="liaison.core.reference")
