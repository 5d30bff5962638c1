from django.urls import path

from liaison.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("accessibility", views.accessibility, name="accessibility"),
    path("privacy", views.privacy, name="privacy"),
]
