from django.urls import path

from liaison.themes import views

app_name = "themes"

urlpatterns = [
    path("", views.theme_list, name="list"),
    path("<int:theme_id>/", views.theme_detail, name="detail"),
    path("suggest/", views.suggest, name="suggest"),
    path("text-model/", views.text_model, name="text_model"),
]
