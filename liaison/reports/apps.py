from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "liaison.reports"
    verbose_name = "Dashboards and the monthly breach report"
