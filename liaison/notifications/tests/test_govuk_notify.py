"""The optional GOV.UK Notify backend, with the official client, against a stand-in Notify API on loopback."""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest

from liaison.notifications.models import DeliveryStatus, Notification
from liaison.notifications.services import notifications_deliver, notify
from liaison.notifications.tests.conftest import MARKERS

pytestmark = pytest.mark.django_db

SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
TEMPLATE_ID = str(uuid.uuid4())


class StandInNotify(BaseHTTPRequestHandler):
    """Answers POST /v2/notifications/email as Notify does, keeping each request it accepts."""

    received: list
    answer: int = 201

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        token = self.headers["Authorization"].removeprefix("Bearer ")
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])
        self.server.received.append({"path": self.path, "body": body, "issuer": claims["iss"]})
        payload = {"id": str(uuid.uuid4())} if self.server.answer == 201 else {"errors": [{"message": "x"}]}
        encoded = json.dumps(payload).encode()
        self.send_response(self.server.answer)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded)

    def log_message(self, *args):
        pass


@pytest.fixture
def notify_api(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandInNotify)
    server.received, server.answer = [], 201
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "liaison.notifications.govuk_notify.NotifyEmailBackend"
    settings.GOVUK_NOTIFY_API_KEY = f"liaison_test-{SERVICE_ID}-{SECRET}"
    settings.GOVUK_NOTIFY_EMAIL_TEMPLATE_ID = TEMPLATE_ID
    settings.GOVUK_NOTIFY_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.LIAISON_BASE_URL = "https://liaison.example.nhs.uk"
    yield server
    server.shutdown()
    server.server_close()


def test_emails_go_to_notify_with_the_template_fixed_wording_and_delivery_key(concern, responder, notify_api):
    notify(kind="concern_routed", recipients=[responder.user], concern=concern, link_path="/c/1/")
    assert notifications_deliver().sent == 1
    (request,) = notify_api.received
    email_row = Notification.objects.email().get()
    assert request["path"] == "/v2/notifications/email"
    assert request["issuer"] == SERVICE_ID
    assert request["body"]["email_address"] == responder.user.email
    assert request["body"]["template_id"] == TEMPLATE_ID
    assert request["body"]["reference"] == email_row.delivery_key
    assert (
        request["body"]["personalisation"]["subject"]
        == f"{concern.reference}: A concern has been sent to your organisation"
    )
    assert "https://liaison.example.nhs.uk/c/1/" in request["body"]["personalisation"]["body"]
    sent = json.dumps(request["body"])
    assert not [marker for marker in MARKERS if marker in sent]
    assert email_row.status == DeliveryStatus.SENT


@pytest.mark.parametrize(
    ("answer", "status", "error"),
    [
        (500, DeliveryStatus.PENDING, "GOV.UK Notify answered with status 500"),
        (429, DeliveryStatus.PENDING, "GOV.UK Notify answered with status 429"),
        (400, DeliveryStatus.FAILED, "GOV.UK Notify answered with status 400"),
    ],
)
def test_notify_refusals_retry_or_fail_as_smtp_ones_do(concern, notify_api, answer, status, error):
    notify_api.answer = answer
    notify(kind="concern_routed", recipients=["lead@example.nhs.net"], concern=concern, link_path="/c/")
    notifications_deliver()
    row = Notification.objects.email().get()
    assert (row.status, row.last_error) == (status, error)
