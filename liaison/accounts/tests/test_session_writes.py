"""A signed-in request reads the session, the user and the membership once each, and writes the session
only when something in it changed: the time of last activity is recorded once a minute at most."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liaison.accounts.middleware import ACTIVITY_RESOLUTION_SECONDS, LAST_ACTIVITY_KEY

pytestmark = pytest.mark.django_db


def _sql(client, path="/"):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_a_second_request_within_the_minute_does_not_write_the_session(reporter, client_for):
    client = client_for(reporter)
    first = _sql(client)
    assert any(sql.startswith("UPDATE") and "django_session" in sql for sql in first)  # activity recorded
    again = _sql(client)
    assert not any("django_session" in sql and not sql.startswith("SELECT") for sql in again)


def test_activity_is_recorded_again_once_the_minute_has_passed(reporter, client_for):
    client = client_for(reporter)
    client.get("/")
    session = client.session
    earlier = timezone.now().timestamp() - ACTIVITY_RESOLUTION_SECONDS - 1
    session[LAST_ACTIVITY_KEY] = earlier
    session.save()
    sql = _sql(client)
    assert any(sql.startswith("UPDATE") and "django_session" in sql for sql in sql)
    assert client.session[LAST_ACTIVITY_KEY] > earlier + ACTIVITY_RESOLUTION_SECONDS


def test_a_session_idle_just_past_the_limit_is_still_signed_out(reporter, client_for, settings):
    client = client_for(reporter)
    client.get("/")
    session = client.session
    session[LAST_ACTIVITY_KEY] = (
        timezone.now() - settings.SESSION_IDLE_TIMEOUT - timedelta(seconds=5)
    ).timestamp()
    session.save()
    assert client.get("/directory/whos-who/").status_code == 302


def test_the_user_is_read_once_per_request(reporter, client_for):
    client = client_for(reporter)
    client.get("/")
    user_reads = [sql for sql in _sql(client) if sql.startswith("SELECT") and 'FROM "accounts_user"' in sql]
    assert len(user_reads) == 1
