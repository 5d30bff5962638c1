from django.urls import path

from liaison.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("concerns/", views.drilldown, name="drilldown"),
    path("nhs111/", views.drilldown_111, name="drilldown_111"),
    path("monthly/", views.monthly, name="monthly"),
    path("monthly/pdf/", views.monthly_pdf, name="monthly_pdf"),
    path("monthly/csv/", views.monthly_csv, name="monthly_csv"),
    path("monthly/issue/", views.monthly_issue, name="monthly_issue"),
    path("archive/", views.archive, name="archive"),
    path("archive/<int:pk>/", views.archived, name="archived"),
    path("archive/<int:pk>/<str:kind>/", views.archived_file, name="archived_file"),
    path("activity/", views.activity, name="activity"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("subscriptions/add/", views.subscription_add, name="subscription_add"),
    path("subscriptions/<int:pk>/", views.subscription_change, name="subscription_change"),
    path("subscriptions/<int:pk>/remove/", views.subscription_remove, name="subscription_remove"),
]
