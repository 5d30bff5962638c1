"""The faults run of bench/faults.py, reduced to fit `make test`: Liaison in production mode (gunicorn
with two workers, the task worker, a real SMTP server) on the test database, 40 concern submissions
through the API with idempotency keys while a web worker is killed with SIGKILL and the SMTP server
is down for a while. Nothing accepted may be lost or stored twice, every email must arrive exactly
once, and no response may carry internal detail.

It needs a database the server processes can share, so it runs in the PostgreSQL pass of
`make test`; `make bench` runs the full version (1,000 submissions, a PostgreSQL restart and a task
worker killed mid-delivery, on a private PostgreSQL cluster).
"""

import pytest
from django.db import connection

from bench.faults import Plan, run_faults

pytestmark = pytest.mark.django_db(transaction=True)


def _database_url() -> str:
    settings = connection.settings_dict
    return (
        f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def test_nothing_accepted_is_lost_or_doubled_while_a_worker_dies_and_mail_is_down(capsys):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL shared with the server processes: runs in the PostgreSQL pass")
    plan = Plan(
        submissions=40,
        clients=4,
        workers=2,
        kill_web_worker=True,
        smtp_outage_seconds=3,
        restart_postgres=False,
        kill_task_worker=False,
        recovery_timeout=60,
    )
    outcome = run_faults(plan, database_url=_database_url(), migrated=True)
    print(outcome.summary())
    assert any("killed gunicorn worker" in fault for fault in outcome.faults)
    assert any("SMTP server down" in fault for fault in outcome.faults)
    assert outcome.failed == {}, list(outcome.failed.items())[:3]
    assert outcome.leaks == []
    assert len(outcome.accepted) == outcome.stored == 40
    assert (outcome.duplicated, outcome.lost, outcome.half_stored) == (0, 0, 0)
    assert outcome.expected > 0 and outcome.delivered == outcome.expected
    assert outcome.notifications_duplicated == 0
    assert outcome.ok
