from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_queue_key_triggers(sender, using, **kwargs) -> None:
    # After every migrate and flush (SQLite drops a table's triggers when a migration rebuilds it).
    from liaison.routing.queue_keys import install_triggers

    install_triggers(using=using)


class RoutingConfig(AppConfig):
    name = "liaison.routing"
    verbose_name = "Routing, workflow and clocks"

    def ready(self) -> None:
        post_migrate.connect(
            _install_queue_key_triggers, sender=self, dispatch_uid="liaison.routing.queue_keys"
        )
