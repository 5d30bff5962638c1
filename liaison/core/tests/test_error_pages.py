"""Error pages are themselves safe: a failure while the response is on its way out (the session
cannot be saved because the database has gone) still gives the service's own error page, with a
Content-Security-Policy whose nonce matches its scripts, rather than a bare server error."""

import re

import pytest
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import DatabaseError

from liaison.core.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


class SessionStore(DatabaseSessionStore):
    """The database session store at the moment the database stops answering: every save fails."""

    def save(self, must_create=False):
        raise DatabaseError("the database closed the connection")


def test_a_session_that_cannot_be_saved_gives_the_error_page_with_its_nonce(client, settings, reporter):
    settings.SESSION_ENGINE = __name__
    client.raise_request_exception = False
    response = client.post(
        "/accounts/sign-in/", {"username": reporter.user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    policy = response.headers["Content-Security-Policy"]
    nonces = set(re.findall(r'nonce="([^"]+)"', html))
    assert nonces, "the page's scripts carry a nonce"
    assert all(f"'nonce-{nonce}'" in policy for nonce in nonces)
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]


@pytest.mark.parametrize("path", ["/", "/api/v1/concerns/", "/concerns/report/elsewhere-no-such/"])
def test_a_session_save_failing_on_the_way_out_gives_the_error_page_with_its_nonce(
    client_for, settings, reporter, path
):
    """The view has answered (a page, or JSON with no scripts and so no nonce yet) and the
    Content-Security-Policy is written; then the session's last-activity time cannot be saved."""
    client = client_for(reporter)
    settings.SESSION_ENGINE = __name__
    client.raise_request_exception = False
    response = client.get(path)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html or response["Content-Type"].startswith(
        "application/problem+json"
    ), html[:300]
    policy = response.headers.get("Content-Security-Policy", "")
    for nonce in set(re.findall(r'nonce="([^"]+)"', html)):
        assert f"'nonce-{nonce}'" in policy
