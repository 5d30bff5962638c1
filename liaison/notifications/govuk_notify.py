"""An optional email backend that sends Liaison's emails through GOV.UK Notify with the official client.

Turn it on with ``EMAIL_BACKEND=liaison.notifications.govuk_notify.NotifyEmailBackend`` and set
``GOVUK_NOTIFY_API_KEY`` and ``GOVUK_NOTIFY_EMAIL_TEMPLATE_ID``. The template in Notify must have
the subject ``((subject))`` and the body ``((body))``: Liaison fills both from its own fixed wording
(``liaison.notifications.emails``), so the outbox, retries and the no-free-text rule work the same as
with SMTP. Each email's delivery key goes to Notify as its ``reference``, so a repeat can be found in
Notify's records.
"""

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

PERMANENT_STATUSES = {
    400
}  # Notify refused the request itself (bad address or template): retrying cannot help


class NotifyError(Exception):
    """Notify did not accept an email. Carries only the HTTP status, never Notify's message text."""

    def __init__(self, status_code: int):
        super().__init__(f"GOV.UK Notify answered {status_code}")
        self.status_code = status_code

    @property
    def summary(self) -> str:
        return f"GOV.UK Notify answered with status {self.status_code}"

    @property
    def permanent(self) -> bool:
        return self.status_code in PERMANENT_STATUSES


class NotifyEmailBackend(BaseEmailBackend):
    """A Django email backend over ``notifications-python-client``'s ``send_email_notification``."""

    def __init__(
        self, fail_silently=False, api_key=None, template_id=None, base_url=None, timeout=None, **kwargs
    ):
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.api_key = api_key or settings.GOVUK_NOTIFY_API_KEY
        self.template_id = template_id or settings.GOVUK_NOTIFY_EMAIL_TEMPLATE_ID
        self.base_url = base_url or settings.GOVUK_NOTIFY_BASE_URL
        self.timeout = timeout or settings.EMAIL_TIMEOUT
        self.client = None

    def open(self):
        from notifications_python_client.notifications import NotificationsAPIClient

        if self.client is None:
            self.client = NotificationsAPIClient(self.api_key, base_url=self.base_url, timeout=self.timeout)
            return True
        return False

    def close(self):
        self.client = None

    def send_messages(self, email_messages) -> int:
        from notifications_python_client.errors import APIError

        if not email_messages:
            return 0
        self.open()
        sent = 0
        for message in email_messages:
            for address in message.to:
                try:
                    self.client.send_email_notification(
                        email_address=address,
                        template_id=self.template_id,
                        personalisation={"subject": message.subject, "body": message.body},
                        reference=message.extra_headers.get("X-Liaison-Delivery"),
                    )
                except APIError as error:
                    if self.fail_silently:
                        break
                    raise NotifyError(error.status_code) from None
            else:
                sent += 1
        return sent
