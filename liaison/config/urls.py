from django.urls import include, path

from liaison.config.api import api

urlpatterns = [
    path("", include("liaison.core.urls")),
    path("accounts/", include("liaison.accounts.urls")),
    path("directory/", include("liaison.directory.urls")),
    path("standards/", include("liaison.standards.urls")),
    path("audit/", include("liaison.audit.urls")),
    path("concerns/", include("liaison.concerns.urls")),
    path("routing/", include("liaison.routing.urls")),
    path("notifications/", include("liaison.notifications.urls")),
    path("111/", include("liaison.nhs111.urls")),
    path("themes/", include("liaison.themes.urls")),
    path("reports/", include("liaison.reports.urls")),
    path("fhir/", include("liaison.nhs111.fhir_urls")),
    path("api/v1/", api.urls),
]

handler400 = "liaison.core.views.bad_request"
handler403 = "liaison.core.views.permission_denied"
handler404 = "liaison.core.views.page_not_found"
handler500 = "liaison.core.views.server_error"
