from django.urls import path

from liaison.themes import views

app_name = "themes"

urlpatterns = [
    path("suggest/", views.suggest, name="suggest"),
    path("text-model/", views.text_model, name="text_model"),
]
