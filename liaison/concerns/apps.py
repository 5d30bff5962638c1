from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "liaison.concerns"
    label = "concerns"
