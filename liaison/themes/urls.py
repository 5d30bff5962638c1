from django.urls import path

from liaison.themes import views

app_name = "themes"

urlpatterns = [
    path("", views.theme_list, name="list"),
    path("rebuild/", views.rebuild, name="rebuild"),
    path("rebuilds/<int:build_id>/", views.build_progress, name="build_progress"),
    path("<int:theme_id>/", views.theme_detail, name="detail"),
    path("<int:theme_id>/rename/", views.rename, name="rename"),
    path("<int:theme_id>/pin/", views.pin, name="pin"),
    path("<int:theme_id>/owner/", views.owner, name="owner"),
    path("<int:theme_id>/merge/", views.merge, name="merge"),
    path("<int:theme_id>/split/", views.split, name="split"),
    path("<int:theme_id>/move/", views.move, name="move"),
    path("<int:theme_id>/actions/add/", views.action_add, name="action_add"),
    path("<int:theme_id>/actions/<int:action_id>/", views.action_update, name="action_update"),
    path("suggest/", views.suggest, name="suggest"),
    path("text-model/", views.text_model, name="text_model"),
]
