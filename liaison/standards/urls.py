from django.urls import path

from liaison.standards import views

app_name = "standards"

CODE = "codes-of-conduct/<str:ods_code>/"
VERSION = CODE + "versions/<str:version>/"

urlpatterns = [
    path("", views.standard_list, name="standard_list"),
    path(CODE, views.code_of_conduct, name="code_of_conduct"),
    path(CODE + "create/", views.code_of_conduct_create, name="code_of_conduct_create"),
    path(CODE + "versions/new/", views.version_create, name="version_create"),
    path(VERSION, views.version_detail, name="version_detail"),
    path(VERSION + "add-standards/", views.version_add_standards, name="version_add_standards"),
    path(VERSION + "local-standard/", views.version_local_standard, name="version_local_standard"),
    path(VERSION + "publish/", views.version_publish, name="version_publish"),
    path(VERSION + "standards/<str:code>/reword/", views.entry_reword, name="entry_reword"),
    path(VERSION + "standards/<str:code>/change/", views.entry_change, name="entry_change"),
    # Last, so that the paths above are never read as a standard's code.
    path("<str:code>/", views.standard_detail, name="standard_detail"),
]
