"""Fixtures for the notification tests: a concern with marker text, and a real SMTP server on loopback."""

import socket
import threading
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from liaison.concerns.models import Concern

# Text that must never reach an email: if any of it shows up in a message, free text or the
# patient reference has leaked.
WHAT_HAPPENED_MARKER = "MARKER-WHAT-HAPPENED-7f3a"
IMPACT_MARKER = "MARKER-IMPACT-91c2"
PATIENT_REFERENCE_MARKER = "PRF88231"
SERVICE_MARKER = "MARKER-SERVICE-5d0e"
MARKERS = [WHAT_HAPPENED_MARKER, IMPACT_MARKER, PATIENT_REFERENCE_MARKER, SERVICE_MARKER]


@pytest.fixture(autouse=True)
def quick_password_hashing(settings):
    """Argon2 is right for production and slow for the many users these tests make."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def concern(reporter, trust, icb):
    """A concern about the trust, every free-text field and the patient reference carrying a marker."""
    return Concern.objects.create(
        part="B",
        reporter=reporter.user,
        reporter_organisation=reporter.organisation,
        reporter_icb=icb,
        about_organisation=trust,
        about_icb=icb,
        service_description=SERVICE_MARKER,
        event_date=timezone.localdate() - timedelta(days=2),
        what_happened=f"No discharge summary arrived. {WHAT_HAPPENED_MARKER}",
        impact=f"Medication changes were missed. {IMPACT_MARKER}",
        patient_reference=PATIENT_REFERENCE_MARKER,
        patient_reference_system="emis",
        submitted_at=timezone.now(),
    )


def free_port() -> int:
    """A loopback port with nothing listening on it (yet)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.delay = 0.0

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        with self.lock:
            self.messages.append(
                {
                    "to": list(envelope.rcpt_tos),
                    "raw": envelope.content,
                    "message": message_from_bytes(envelope.content, policy=policy.default),
                }
            )
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [entry["message"]["Message-ID"] for entry in self.messages]


class SMTPServer:
    """A real SMTP server on a free loopback port that a test can start and stop."""

    def __init__(self, port: int):
        self.port = port
        self.mailbox = Mailbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    """Django's SMTP backend pointed at a loopback port; the server is started by ``smtp.start()``."""
    server = SMTPServer(free_port())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.LIAISON_BASE_URL = "https://liaison.example.nhs.uk"
    yield server
    server.stop()


@pytest.fixture
def smtp_running(smtp):
    smtp.start()
    return smtp
