"""PostgreSQL connections bind parameters on the server and prepare statements on first use, unless turned off.

docs/adr/0014-postgresql-prepared-statements.md: DATABASE_PREPARED_STATEMENTS (default on) and
DATABASE_PREPARE_THRESHOLD (default 1: prepare on the second execution in a connection).
"""

import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from liaison.config.environment import postgresql_statement_options
from liaison.directory.models import Organisation

ON_POSTGRESQL = connection.vendor == "postgresql"
needs_postgresql = pytest.mark.skipif(
    not ON_POSTGRESQL, reason="prepared statements and server-side binding are PostgreSQL connection options"
)


def _prepared_statements(cursor) -> list[str]:
    cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
    return [row[0] for row in cursor.fetchall()]


def _settings_databases(environment: dict) -> dict:
    """The DATABASES option Liaison's settings build from this environment, loaded in a fresh process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    env.update(environment)
    code = (
        "import json; from liaison.config import settings; "
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_options_default_to_server_side_binding_and_preparing_on_second_use(monkeypatch):
    monkeypatch.delenv("DATABASE_PREPARED_STATEMENTS", raising=False)
    monkeypatch.delenv("DATABASE_PREPARE_THRESHOLD", raising=False)
    assert postgresql_statement_options() == {"server_side_binding": True, "prepare_threshold": 1}


def test_options_turned_off_restore_djangos_client_side_binding(monkeypatch):
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "0")
    monkeypatch.setenv("DATABASE_PREPARE_THRESHOLD", "3")
    assert postgresql_statement_options() == {"server_side_binding": False, "prepare_threshold": None}


def test_prepare_threshold_is_configurable(monkeypatch):
    monkeypatch.delenv("DATABASE_PREPARED_STATEMENTS", raising=False)
    monkeypatch.setenv("DATABASE_PREPARE_THRESHOLD", "5")
    assert postgresql_statement_options() == {"server_side_binding": True, "prepare_threshold": 5}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_PREPARED_STATEMENTS", "maybe"),
        ("DATABASE_PREPARE_THRESHOLD", "first"),
        ("DATABASE_PREPARE_THRESHOLD", "-1"),
    ],
)
def test_nonsense_values_are_refused(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        postgresql_statement_options()


def test_settings_apply_the_options_to_postgresql_only():
    postgres = "postgres://postgres@127.0.0.1:5432/liaison"
    assert _settings_databases({"DATABASE_URL": postgres}) == {
        "server_side_binding": True,
        "prepare_threshold": 1,
    }
    assert _settings_databases({"DATABASE_URL": postgres, "DATABASE_PREPARED_STATEMENTS": "0"}) == {
        "server_side_binding": False,
        "prepare_threshold": None,
    }
    sqlite_options = _settings_databases({"DATABASE_URL": "sqlite:///:memory:"})
    assert "server_side_binding" not in sqlite_options
    assert "prepare_threshold" not in sqlite_options


@needs_postgresql
@pytest.mark.django_db
def test_the_connection_binds_on_the_server_and_prepares_a_repeated_orm_query():
    connection.ensure_connection()
    raw = connection.connection
    assert raw.prepare_threshold == 1
    # Django's ServerBindingCursor is a plain psycopg Cursor, not the ClientCursor that inlines parameters.
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    assert type(raw.cursor()).__name__ == "ServerBindingCursor"

    def organisation_statements():
        with connection.cursor() as cursor:
            return [s for s in _prepared_statements(cursor) if '"directory_organisation"' in s]

    marker = "prepared-statements-check"
    assert list(Organisation.objects.filter(name=marker).values_list("id", flat=True)) == []
    assert organisation_statements() == []  # run once: not prepared yet
    for _ in range(2):
        assert list(Organisation.objects.filter(name=marker).values_list("id", flat=True)) == []
    prepared = organisation_statements()
    assert len(prepared) == 1, prepared  # prepared on the second run, reused on the third
    # The parameter reached the server as a parameter: the statement has a placeholder, not the value.
    assert "$1" in prepared[0]
    assert marker not in prepared[0]
    # A string of several commands, as Django's migrations send, still runs once (it cannot be prepared).
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0")


@needs_postgresql
@pytest.mark.django_db
def test_turned_off_the_connection_inlines_parameters_and_prepares_nothing():
    from django.db.backends.postgresql.base import DatabaseWrapper

    settings_dict = dict(connection.settings_dict)
    settings_dict["OPTIONS"] = {
        **settings_dict["OPTIONS"],
        "server_side_binding": False,
        "prepare_threshold": None,
    }
    off = DatabaseWrapper(settings_dict, alias="prepared_statements_off")
    try:
        off.ensure_connection()
        assert off.connection.prepare_threshold is None
        with off.cursor() as cursor:
            for _ in range(3):
                cursor.execute("SELECT count(*) FROM directory_organisation WHERE name = %s", ["nobody"])
                assert cursor.fetchone() == (0,)
            assert _prepared_statements(cursor) == []
    finally:
        off.close()


@pytest.mark.django_db
def test_the_icb_view_writes_its_status_filter_into_the_sql(icb_analyst):
    """Statuses are skewed, so each status filter is its own statement with its own plan (routing.selectors)."""
    from liaison.routing.selectors import IcbFilters, StatusInSql, icb_queue

    sql, params = icb_queue(icb_analyst, IcbFilters(state="new")).query.sql_with_params()
    assert '"concerns_concern"."status" = (\'new\')' in sql
    assert "new" not in params
    sql, params = icb_queue(icb_analyst, IcbFilters(state="open")).query.sql_with_params()
    assert "('new', 'acknowledged', 'investigating', 'action_agreed', 'responded')" in sql
    with pytest.raises(ValueError, match="not a valid ConcernStatus"):
        StatusInSql("new') OR ('1' = '1")
