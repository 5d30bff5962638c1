"""Helpers that make Django forms speak the NHS design system."""


def error_list(form) -> list[dict]:
    """The error summary's list: each message linked to the field it belongs to."""
    items = []
    for field, errors in form.errors.items():
        anchor = f"#{form[field].auto_id}" if field in form.fields else "#maincontent"
        for message in errors:
            items.append({"text": str(message), "href": anchor})
    return items


def field_error(form, name: str) -> dict | None:
    """The ``errorMessage`` parameter for an NHS.UK component, or None."""
    if form.is_bound and form.errors.get(name):
        return {"text": " ".join(str(e) for e in form.errors[name])}
    return None
