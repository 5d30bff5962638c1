"""Liaison's PID guard: keeps patient-identifiable data out of concerns and other free text.

Pure Python, no models, no database. Call ``scan_text`` (or ``scan_fields``) on every free-text
value before saving it, ``check_patient_reference`` on the local patient reference field, and
``log_detections`` to record that something was found (never what).
"""

from .detection import FORENAMES, check_patient_reference, log_detections, scan_fields, scan_text
from .findings import Finding, Kind, ScanResult, Severity
from .nhs_number import is_valid_nhs_number

__all__ = [
    "FORENAMES",
    "Finding",
    "Kind",
    "ScanResult",
    "Severity",
    "check_patient_reference",
    "is_valid_nhs_number",
    "log_detections",
    "scan_fields",
    "scan_text",
]
