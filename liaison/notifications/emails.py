"""The wording of every notification email, from fixed text only.

An email carries the concern's reference (LIA-000123), what happened in a fixed phrase (the kind),
the organisation's name and a link into Liaison. Nothing else: no patient reference, no words a
person typed, so an email read on the wrong screen or forwarded outside the NHS discloses nothing
about a patient. The link always lands behind Liaison's sign-in; there is no token in it.
"""

from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse

from liaison.notifications.models import Notification, NotificationKind

FOOTER = (
    "This email was sent by {service}, the NHS interface portal. It never contains patient details: "
    "sign in to Liaison to see the concern."
)
PREFERENCES = "To change how often Liaison emails you, sign in and go to {preferences}"
NOT_A_USER = (
    "You are receiving this because you are listed in {service} as a contact for {organisation}.\n"
    "Sign in to {service} to see it: {link}\n"
    "If you do not have an account, ask your organisation's {service} administrator to invite you."
)
A_USER = "See it in {service}: {link}"


def absolute_url(path: str) -> str:
    """``path`` on Liaison's public address (the ``LIAISON_BASE_URL`` setting)."""
    return settings.LIAISON_BASE_URL.rstrip("/") + path


def message_id(notification: Notification) -> str:
    """A Message-ID made from the delivery key: a repeat of the same delivery carries the same one."""
    host = urlsplit(settings.LIAISON_BASE_URL).hostname or "liaison.localhost"
    return f"<liaison.{notification.delivery_key}@{host}>"


def _reference(notification: Notification) -> str:
    return notification.concern.reference if notification.concern_id else ""


def _subject(notification: Notification) -> str:
    label = NotificationKind(notification.kind).label
    reference = _reference(notification)
    return f"{reference}: {label}" if reference else f"{settings.LIAISON_SERVICE_NAME}: {label}"


def _link_for(notification: Notification) -> str:
    if notification.recipient_user_id:
        return absolute_url(notification.link_path)
    # Someone who is not a user yet: the sign-in page, which returns them to the concern.
    return absolute_url(reverse("accounts:login") + "?next=" + quote(notification.link_path, safe="/"))


def _item_lines(notification: Notification) -> list[str]:
    lines = [NotificationKind(notification.kind).label + "."]
    if notification.concern_id:
        lines.append(f"Concern: {_reference(notification)}")
    if notification.organisation_id:
        lines.append(f"Organisation: {notification.organisation.display_name}")
    return lines


def _body(notification: Notification) -> str:
    service = settings.LIAISON_SERVICE_NAME
    link = _link_for(notification)
    lines = _item_lines(notification)
    lines.append("")
    if notification.recipient_user_id:
        lines.append(A_USER.format(service=service, link=link))
    else:
        organisation = (
            notification.organisation.display_name if notification.organisation_id else "an NHS organisation"
        )
        lines.append(NOT_A_USER.format(service=service, organisation=organisation, link=link))
    return "\n".join(lines)


def _digest_body(notification: Notification) -> str:
    items = list(
        notification.digest_items.select_related("concern", "organisation").order_by("created_at", "id")
    )
    lines = [f"Your {settings.LIAISON_SERVICE_NAME} notifications since the last summary: {len(items)}.", ""]
    for item in items:
        lines.extend(_item_lines(item))
        lines.append(absolute_url(item.link_path))
        lines.append("")
    lines.append(f"See all your notifications: {absolute_url(reverse('notifications:list'))}")
    return "\n".join(lines)


def email_for(notification: Notification) -> EmailMessage:
    """The email for one outbox row, built only from fixed wording, the reference, organisation and link."""
    if notification.kind == NotificationKind.DAILY_DIGEST:
        body = _digest_body(notification)
    else:
        body = _body(notification)
    body += "\n\n" + FOOTER.format(service=settings.LIAISON_SERVICE_NAME)
    if notification.recipient_user_id:
        body += "\n" + PREFERENCES.format(preferences=absolute_url(reverse("notifications:preferences")))
    return EmailMessage(
        subject=_subject(notification),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient_email],
        headers={
            "Message-ID": message_id(notification),
            "X-Liaison-Delivery": notification.delivery_key,
            # Ask auto-responders not to answer: nobody reads replies to this address.
            "Auto-Submitted": "auto-generated",
        },
    )
