from django.urls import path  # noqa: F401

app_name = "nhs111"

urlpatterns: list = []
