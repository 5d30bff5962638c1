from django.urls import path

from liaison.directory import views

app_name = "directory"

urlpatterns = [
    path("", views.organisation_list, name="organisation_list"),
    path("whos-who/", views.whos_who, name="whos_who"),
    path("organisations/<str:ods_code>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<str:ods_code>/contacts/add/", views.contact_add, name="contact_add"),
    path("organisations/<str:ods_code>/services/add/", views.service_add, name="service_add"),
    path("contacts/<int:contact_id>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:contact_id>/remove/", views.contact_remove, name="contact_remove"),
]
