"""CSV export of concern lists: no patient reference, no free text, no spreadsheet formulas."""

import csv

COLUMNS = [
    "Reference",
    "Submitted",
    "Reporting organisation",
    "Reporting ODS code",
    "About organisation",
    "About ODS code",
    "Place",
    "Specialty",
    "Aspect of care",
    "Standards not met",
    "Status",
    "Outcome",
    "Due",
    "Overdue",
]

# A cell starting with one of these is read as a formula by Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def safe_cell(value) -> str:
    """The value as text that no spreadsheet will run: formula-like cells get a leading apostrophe."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def write_concerns_csv(stream, concerns) -> None:
    """Write one row per concern from a queue selector (``_queue_base`` annotations expected).

    Only coded and directory facts go out: never the patient reference, the reporter's name or
    any free text, so a shared spreadsheet cannot leak patient details.
    """
    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    for concern in concerns.iterator(chunk_size=500):
        place = concern.about_organisation.place or concern.reporter_organisation.place
        writer.writerow(
            [
                safe_cell(value)
                for value in (
                    concern.reference,
                    concern.submitted_at.date().isoformat(),
                    concern.reporter_organisation.display_name,
                    concern.reporter_organisation.ods_code,
                    concern.about_organisation.display_name,
                    concern.about_organisation.ods_code,
                    place.name if place else "",
                    concern.specialty.name if concern.specialty else "",
                    concern.get_aspect_of_care_display() if concern.aspect_of_care else "",
                    " ".join(item.standard.code for item in concern.standards_breached.all()),
                    concern.get_status_display(),
                    concern.get_outcome_display() if concern.outcome else "",
                    concern.due_on.isoformat() if concern.due_on else "",
                    "Yes" if concern.is_overdue else "No",
                )
            ]
        )
