"""FHIR endpoints, mounted at /fhir/ (outside the JSON API: they speak OperationOutcome, not problem+json)."""

from django.urls import path

from liaison.nhs111 import fhir_views

app_name = "fhir"

urlpatterns = [
    path("r4/$process-message", fhir_views.process_message, name="process_message"),
]
