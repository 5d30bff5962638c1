from django.urls import path

from liaison.concerns import views

app_name = "concerns"

urlpatterns = [
    path("", views.concern_list, name="concern_list"),
    path("report/", views.report_start, name="report_start"),
    path("report/other-routes/", views.report_elsewhere, name="report_elsewhere"),
    path("report/new/", views.report, name="report"),
    path("report/organisations/", views.organisation_suggestions, name="organisation_suggestions"),
    path("report/standards/", views.standards_for_date, name="standards_for_date"),
    path("report/similar/", views.similar_concerns, name="similar_concerns"),
    path("drafts/", views.draft_list, name="draft_list"),
    path("drafts/<str:public_id>/discard/", views.draft_discard, name="draft_discard"),
    path("<str:reference>/", views.concern_detail, name="concern_detail"),
    path("<str:reference>/submitted/", views.submitted, name="submitted"),
    path("<str:reference>/me-too/", views.me_too, name="me_too"),
]
