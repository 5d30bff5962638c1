from django.apps import AppConfig


class ThemesConfig(AppConfig):
    name = "liaison.themes"
    label = "themes"
