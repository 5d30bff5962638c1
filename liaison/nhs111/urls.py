from django.urls import path

from liaison.nhs111 import views

app_name = "nhs111"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("unregistered/", views.unregistered, name="unregistered"),
    path("scorecard/", views.scorecard, name="scorecard"),
    path("messages/<int:pk>/", views.message_detail, name="message_detail"),
    path("messages/<int:pk>/text/", views.message_text, name="message_text"),
    path("messages/<int:pk>/acknowledge/", views.message_acknowledge, name="message_acknowledge"),
    path("messages/<int:pk>/complete/", views.message_complete, name="message_complete"),
]
