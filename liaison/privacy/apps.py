from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "liaison.privacy"
    label = "privacy"
    verbose_name = "Patient-identifiable data guard"
