from django.urls import path  # noqa: F401

app_name = "concerns"

urlpatterns: list = []
