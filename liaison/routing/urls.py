from django.urls import path

from liaison.routing import views

app_name = "routing"

urlpatterns = [
    path("concerns/<str:reference>/", views.case, name="case"),
]
