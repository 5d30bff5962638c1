from django.apps import AppConfig


class Nhs111Config(AppConfig):
    name = "liaison.nhs111"
    verbose_name = "NHS 111 referrals and Post Event Messages"
