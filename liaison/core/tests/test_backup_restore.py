"""The backup and restore commands in docs/operations.md, run for real: a concern stored through the
service is backed up with bin/liaison-backup, restored with bin/liaison-restore into a new, empty
PostgreSQL database, and read back intact. PostgreSQL only (SQLite is backed up by copying its file)."""

import subprocess
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from liaison.concerns.services import submit_concern
from liaison.concerns.tests.conftest import event_day, valid_submission  # noqa: F401 (fixtures)
from liaison.standards.tests.conftest import baseline, published_code  # noqa: F401 (fixtures)

BIN = Path(__file__).resolve().parents[3] / "bin"

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="backup and restore are PostgreSQL's (run with DATABASE_URL)"
)


def _url(name: str) -> str:
    settings = connection.settings_dict
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{settings.get('HOST') or '127.0.0.1'}:{settings.get('PORT') or 5432}/{name}"


@pytest.fixture
def empty_database():
    name = f"{connection.settings_dict['NAME']}_restored"
    admin = psycopg.connect(_url("postgres"), autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    yield _url(name)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_concern_survives_backup_and_restore(reporter, valid_submission, empty_database, tmp_path):  # noqa: F811
    concern, _ = submit_concern(membership=reporter, submission=valid_submission)
    backup = tmp_path / "liaison.dump"
    source = _url(connection.settings_dict["NAME"])

    made = subprocess.run(
        [BIN / "liaison-backup", source, backup], capture_output=True, text=True, timeout=300
    )
    assert made.returncode == 0, made.stderr
    assert backup.stat().st_size > 0 and f"Backed up to {backup}" in made.stdout

    restored = subprocess.run(
        [BIN / "liaison-restore", backup, empty_database], capture_output=True, text=True, timeout=300
    )
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout and ": 1 concerns" in restored.stdout

    with psycopg.connect(empty_database) as copy:
        row = copy.execute(
            "SELECT what_happened, patient_reference, reporter_organisation_id FROM concerns_concern WHERE id = %s",
            [concern.pk],
        ).fetchone()
        audit_rows = copy.execute("SELECT count(*) FROM audit_auditevent").fetchone()[0]
    assert row == (
        valid_submission.what_happened,
        valid_submission.patient_reference,
        reporter.organisation_id,
    )
    assert audit_rows > 0

    again = subprocess.run(
        [BIN / "liaison-restore", backup, empty_database], capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 65
    assert "restore only into an empty database" in again.stderr


def test_backup_refuses_a_database_url_that_is_not_postgresql(tmp_path):
    result = subprocess.run(
        [BIN / "liaison-backup", "sqlite:///var/liaison.sqlite3", tmp_path / "x.dump"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 64
    assert "must be a postgres:// URL" in result.stderr
