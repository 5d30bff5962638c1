from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "liaison.notifications"
    verbose_name = "Notifications"
