from django.urls import path

from liaison.routing import views

app_name = "routing"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("icb/", views.icb_queue, name="icb_queue"),
    path("icb/export.csv", views.icb_queue_csv, name="icb_queue_csv"),
    path("concerns/<str:reference>/", views.case, name="case"),
    path("concerns/<str:reference>/<slug:action>/", views.case_action, name="case_action"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/add/", views.rule_add, name="rule_add"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/retire/", views.rule_retire, name="rule_retire"),
    path("clock-policy/", views.clock_policy, name="clock_policy"),
    path("templates/", views.template_list, name="template_list"),
]
