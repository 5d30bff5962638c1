from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "liaison.routing"
    verbose_name = "Routing, workflow and clocks"
