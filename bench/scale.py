"""Liaison at national scale: 1,000,000 concerns, then the dashboard, an inbox page and the monthly report.

Builds a dedicated PostgreSQL database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/reports_scale; dropped and created afresh): the migrations, the
national standards, a synthetic directory the size of England (42 ICBs, 5 trusts with 2 sites each
and 150 practices per ICB: 210 trusts, 6,300 practices) and 1,000,000 concerns over ten years,
made inside PostgreSQL with INSERT … SELECT over generate_series: 70 % Part B with one or two standards, a "me too" on one in five, about a trust or
one of its sites, each with its clock and an assignment to the trust (the inbox reads assignments,
and their copies of each concern's queue keys: written by the load, which runs without triggers, and
checked against what the triggers would write),
a few closed as duplicates. The loaded tables' secondary indexes and unique constraints are dropped
for the load and made again after it (the unique ones are checked then); each table is then
vacuumed and analysed, as autovacuum would, since the inbox relies on index-only scans and those
need the visibility map. Each step's time goes to stderr. Then it times, in this process against that database, through the real
views (Django's test client, signed in, full middleware and templates):

- the dashboard of one ICB's analyst (/reports/, the last 12 months);
- a responder's inbox page at one trust (/routing/inbox/);
- the monthly breach report for one ICB-month (the exact version's counts, /reports/monthly/);
- the national month: every ICB's report for one month, one after another.

Each is repeated BENCH_REPEATS times (default 30) after a warm-up; p95 is reported. Targets
(../shared/docs/quality.md): p95 ≤ 150 ms dashboard, ≤ 100 ms inbox page, ≤ 500 ms ICB-month report,
≤ 5 s national month report; generation ≤ 3 minutes. Prints one summary line last, with the load
average of the shared machine; exits 1 when a target is missed. BENCH_CONCERNS changes the number;
BENCH_REUSE=1 times again against the database the last run generated, without generating. Liaison runs
with DEBUG off, as in production (DEBUG=1 in the environment times it in development mode).
"""

import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/reports_scale"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
CONCERNS = int(os.environ.get("BENCH_CONCERNS", "1000000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "30"))
TARGETS_MS = {"dashboard": 150.0, "inbox": 100.0, "report": 500.0}
NATIONAL_TARGET_S = 5.0
GENERATE_TARGET_S = 180.0
ICBS, TRUSTS_PER_ICB, SITES_PER_TRUST, PRACTICES_PER_ICB = 42, 5, 2, 150
FIRST_DAY, DAYS = date(2016, 12, 1), 3650
REPORT_MONTH = date(2026, 10, 1)
STATUSES = ["new", "acknowledged", "investigating", "action_agreed", "responded", "closed"]
ASPECTS = ["discharge", "outpatients", "referral", "results", "medication", "communication"]

os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.config.settings")
# Timed as deployed: with DEBUG off, as bench/submit.py and bench/fhir.py serve Liaison. With it on
# (development mode), Django wraps every query to record it, which production never pays.
os.environ.setdefault("DEBUG", "0")


def recreate_database() -> None:
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    admin = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "-m", "liaison.manage", "migrate", "--verbosity", "0"],
        check=True,
        cwd=ROOT,
        env=os.environ,
    )


def build_directory():
    """Organisations, one reporting user per practice, and the standards baseline; returns id lists."""
    from liaison.accounts.models import User
    from liaison.directory.models import Organisation, OrganisationType
    from liaison.standards.models import Standard
    from liaison.standards.services import standards_baseline_load

    standards_baseline_load()
    icbs = Organisation.objects.bulk_create(
        Organisation(
            ods_code=f"Q{i:02d}B", name=f"NHS BENCH {i} INTEGRATED CARE BOARD", org_type=OrganisationType.ICB
        )
        for i in range(ICBS)
    )
    trusts = Organisation.objects.bulk_create(
        Organisation(
            ods_code=f"R{i:02d}{t}",
            name=f"BENCH {i}-{t} NHS FOUNDATION TRUST",
            org_type=OrganisationType.TRUST,
            icb=icb,
        )
        for i, icb in enumerate(icbs)
        for t in range(TRUSTS_PER_ICB)
    )
    sites = Organisation.objects.bulk_create(
        Organisation(
            ods_code=f"{trust.ods_code}S{s}",
            name=f"{trust.name} SITE {s}",
            org_type=OrganisationType.TRUST_SITE,
            parent=trust,
            icb=trust.icb,
        )
        for trust in trusts
        for s in range(SITES_PER_TRUST)
    )
    practices = Organisation.objects.bulk_create(
        Organisation(
            ods_code=f"B{i:02d}{p:03d}",
            name=f"BENCH PRACTICE {i}-{p}",
            org_type=OrganisationType.GP_PRACTICE,
            icb=icb,
        )
        for i, icb in enumerate(icbs)
        for p in range(PRACTICES_PER_ICB)
    )
    users = User.objects.bulk_create(User(username=f"bench.{p.ods_code}", password="!") for p in practices)
    standard_ids = list(Standard.objects.order_by("code").values_list("pk", flat=True))
    by_icb = {icb.pk: {"trusts": [], "practices": []} for icb in icbs}
    for trust in trusts:
        by_icb[trust.icb_id]["trusts"].append((trust.pk, trust.pk))
    for site in sites:
        by_icb[site.icb_id]["trusts"].append((site.pk, site.parent_id))
    for practice, user in zip(practices, users, strict=True):
        by_icb[practice.icb_id]["practices"].append((practice.pk, user.pk))
    return icbs, trusts, by_icb, standard_ids


def _step(label: str, started: list[float]) -> None:
    """Print how long the load's last step took (to stderr, so the summary line stays last)."""
    now = time.perf_counter()
    print(f"  {label}: {now - started[0]:.1f} s", file=sys.stderr, flush=True)
    started[0] = now


LOADED_TABLES = (
    "concerns_concern",
    "concerns_concernstandard",
    "concerns_occurrence",
    "routing_concernclock",
    "routing_assignment",
)


def drop_secondary_indexes(cursor) -> list[tuple[str, str]]:
    """Drop every index on the loaded tables but their primary keys (unique constraints included);
    return (name, statement) pairs that make each again. Building an index once over a million
    rows is far cheaper than updating it a million times."""
    tables = list(LOADED_TABLES)
    cursor.execute(
        "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = ANY(%s::regclass[]) AND contype = 'u' ORDER BY 1",
        [tables],
    )
    again = []
    for name, table, definition in cursor.fetchall():
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        again.append((name, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i"
        " WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
        [tables],
    )
    for name, definition in cursor.fetchall():
        cursor.execute(f"DROP INDEX {name}")
        again.append((name, definition))
    return again


def generate(by_icb, standard_ids) -> float:
    """1,000,000 concerns with their standards, occurrences, clocks and assignments, made inside
    PostgreSQL with INSERT … SELECT over generate_series (a bulk load; the choices are spread by
    multiplicative hashing of the row number, so a run is repeatable)."""
    from django.db import connection

    from liaison.routing import queue_keys

    started = time.perf_counter()
    trusts = [
        (i, k, org, trust)
        for i, icb in enumerate(by_icb)
        for k, (org, trust) in enumerate(by_icb[icb]["trusts"])
    ]
    practices = [
        (i, k, org, user)
        for i, icb in enumerate(by_icb)
        for k, (org, user) in enumerate(by_icb[icb]["practices"])
    ]
    per_icb_trusts, per_icb_practices = len(by_icb[next(iter(by_icb))]["trusts"]), PRACTICES_PER_ICB
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_icb (idx int PRIMARY KEY, id bigint)")
        cursor.execute(
            "CREATE TEMP TABLE bench_trust (idx int, k int, org bigint, trust bigint, PRIMARY KEY (idx, k))"
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_practice (idx int, k int, org bigint, usr bigint, PRIMARY KEY (idx, k))"
        )
        raw = cursor.connection
        with raw.cursor() as copy_cursor:
            for table, rows in (
                ("bench_icb", [(i, icb) for i, icb in enumerate(by_icb)]),
                ("bench_trust", trusts),
                ("bench_practice", practices),
            ):
                with copy_cursor.copy(f"COPY {table} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        cursor.execute("ANALYZE bench_icb; ANALYZE bench_trust; ANALYZE bench_practice")
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM concerns_concern")
        base = cursor.fetchone()[0]
        # The rows are consistent by construction: skip the per-row foreign-key triggers while loading
        # (the benchmark database is its own, and the bench connects as a superuser).
        cursor.execute("SET session_replication_role = replica")
        clock = [time.perf_counter()]
        indexes = drop_secondary_indexes(cursor)
        _step(f"drop {len(indexes)} indexes", clock)
        cursor.execute(
            """
            INSERT INTO concerns_concern (id, public_id, part, reporter_id, reporter_organisation_id, reporter_icb_id,
                about_organisation_id, about_icb_id, service_description, staff_group, aspect_of_care, event_date,
                what_happened, impact, patient_reference, patient_reference_system, reporter_may_be_named, status,
                outcome, source, submitted_at)
            SELECT %(base)s + n, gen_random_uuid(), CASE WHEN (n * 7) %% 10 < 7 THEN 'B' ELSE 'A' END, p.usr, p.org,
                i.id, t.org, i.id, '', '', (%(aspects)s::text[])[1 + (n * 13) %% %(naspects)s], d.event, 'Synthetic concern for the scale benchmark.',
                '', '', '', false, (%(statuses)s::text[])[1 + (n * 17) %% %(nstatuses)s],
                CASE WHEN (n * 31) %% 50 = 0 THEN 'duplicate' ELSE '' END, 'web',
                (d.event + 1 + (n %% 5)) + time '09:00' AT TIME ZONE 'UTC'
            FROM generate_series(1, %(count)s) AS n
            CROSS JOIN LATERAL (SELECT %(first)s::date + ((n::bigint * 2654435761) %% %(days)s)::int AS event) AS d
            JOIN bench_icb i ON i.idx = n %% %(icbs)s
            JOIN bench_trust t ON t.idx = n %% %(icbs)s AND t.k = (n::bigint * 40503) %% %(trusts)s
            JOIN bench_practice p ON p.idx = n %% %(icbs)s AND p.k = (n::bigint * 104729) %% %(practices)s
            """,
            {
                "base": base,
                "count": CONCERNS,
                "aspects": ASPECTS,
                "naspects": len(ASPECTS),
                "statuses": STATUSES,
                "nstatuses": len(STATUSES),
                "first": FIRST_DAY,
                "days": DAYS,
                "icbs": len(by_icb),
                "trusts": per_icb_trusts,
                "practices": per_icb_practices,
            },
        )
        _step("concerns", clock)
        window = {"base": base, "count": CONCERNS}
        cursor.execute(
            """
            INSERT INTO concerns_concernstandard (concern_id, standard_id, time_limit_text)
            SELECT id, (%(standards)s::bigint[])[1 + (id * 11) %% %(nstandards)s], '' FROM concerns_concern
            WHERE part = 'B' AND id > %(base)s
            UNION ALL
            SELECT id, (%(standards)s::bigint[])[1 + (id * 11 + 1 + (id %% 5)) %% %(nstandards)s], '' FROM concerns_concern
            WHERE part = 'B' AND id > %(base)s AND id %% 10 < 3
            """,
            {**window, "standards": standard_ids, "nstandards": len(standard_ids)},
        )
        _step("standards", clock)
        cursor.execute(
            """
            INSERT INTO concerns_occurrence (concern_id, organisation_id, reported_by_id, event_date, note, is_original, created_at)
            SELECT id, reporter_organisation_id, reporter_id, event_date, '', true, submitted_at
            FROM concerns_concern WHERE id > %(base)s
            UNION ALL
            SELECT c.id, p.org, p.usr, c.event_date + 1, '', false, c.submitted_at
            FROM concerns_concern c
            JOIN bench_icb i ON i.id = c.about_icb_id
            JOIN bench_practice p ON p.idx = i.idx AND p.k = (c.id * 7) %% %(practices)s
            WHERE c.id > %(base)s AND c.id %% 5 = 0 AND p.usr <> c.reporter_id
            """,
            {**window, "practices": per_icb_practices},
        )
        _step("occurrences", clock)
        cursor.execute(
            """
            INSERT INTO routing_concernclock (concern_id, cycle, started_on, acknowledge_due, respond_due, acknowledged_at)
            SELECT id, 1, submitted_at::date, submitted_at::date + 4, submitted_at::date + 28,
                CASE WHEN status = 'new' THEN NULL ELSE submitted_at + make_interval(days => (1 + (id %% 3) * 2)::int) END
            FROM concerns_concern WHERE id > %(base)s
            """,
            window,
        )
        _step("clocks", clock)
        cursor.execute(
            """
            INSERT INTO routing_assignment (concern_id, organisation_id, role, created_at,
                queue_open, queue_overdue, queue_due_on, queue_submitted_at)
            SELECT c.id, COALESCE(CASE WHEN o.org_type = 'trust_site' THEN o.parent_id END, o.id), 'responder', c.submitted_at,
                c.status <> 'closed', k.queue_overdue, k.queue_due_on, c.submitted_at
            FROM concerns_concern c JOIN directory_organisation o ON o.id = c.about_organisation_id
            JOIN routing_concernclock k ON k.concern_id = c.id
            WHERE c.id > %(base)s
            """,
            window,
        )
        _step("assignments", clock)
        cursor.execute("SET session_replication_role = DEFAULT")
        # The load ran with triggers off, so it wrote each assignment's queue keys itself: check
        # them against what the triggers (liaison.routing.queue_keys) would have written.
        cursor.execute(
            f"""
            SELECT count(*) FROM routing_assignment a
            JOIN concerns_concern c ON c.id = a.concern_id
            LEFT JOIN routing_concernclock k ON k.concern_id = c.id
            WHERE (a.queue_open, a.queue_overdue, a.queue_due_on, a.queue_submitted_at) IS DISTINCT FROM
                (c.status IN ({queue_keys.OPEN_SQL}), COALESCE(k.queue_overdue, false), k.queue_due_on, c.submitted_at)
            """  # noqa: S608 (constants only)
        )
        (wrong,) = cursor.fetchone()
        if wrong:
            raise RuntimeError(f"{wrong} assignments were loaded with the wrong queue keys")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('concerns_concern', 'id'), %s)", [base + CONCERNS]
        )
        # Unique constraints are checked as they are made again: the load must satisfy them.
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for name, statement in indexes:
            building = time.perf_counter()
            cursor.execute(statement)
            if time.perf_counter() - building >= 2:
                print(f"    {name}: {time.perf_counter() - building:.1f} s", file=sys.stderr)
        _step(f"make the {len(indexes)} indexes again", clock)
        for table in LOADED_TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608
            )
            # What autovacuum does after a load: statistics, and the visibility map index-only scans use.
            cursor.execute(f"VACUUM ANALYZE {table}")
            _step(f"vacuum analyze {table}", clock)
        for table in ("directory_organisation", "accounts_user"):
            cursor.execute(f"ANALYZE {table}")
    return time.perf_counter() - started


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(function, repeats: int = REPEATS) -> list[float]:
    function()  # warm-up
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> int:
    reuse = os.environ.get("BENCH_REUSE") == "1"
    if not reuse:
        recreate_database()
    import django

    django.setup()
    from django.test import Client

    from liaison.accounts.models import Membership, Role, User
    from liaison.reports import selectors
    from liaison.reports.models import ReportVersion

    if reuse:
        # Time again against the database a previous run generated (after a change to the queries).
        from liaison.directory.models import Organisation, OrganisationType

        icbs = list(Organisation.objects.filter(org_type=OrganisationType.ICB).order_by("pk"))
        generation = None
        analyst, responder = (
            User.objects.get(username="bench.analyst"),
            User.objects.get(username="bench.responder"),
        )
    else:
        icbs, trusts, by_icb, standard_ids = build_directory()
        generation = generate(by_icb, standard_ids)
        icb, trust = icbs[0], trusts[0]
        analyst = User.objects.create(username="bench.analyst", password="!")
        Membership.objects.create(user=analyst, organisation=icb, role=Role.ICB_ANALYST)
        responder = User.objects.create(username="bench.responder", password="!")
        Membership.objects.create(user=responder, organisation=trust, role=Role.RESPONDER)

    def client_for(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    analyst_client, responder_client = client_for(analyst), client_for(responder)

    def get(client, path):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    dashboard = timed(lambda: get(analyst_client, "/reports/?from=2025-11&to=2026-10"))
    inbox = timed(lambda: get(responder_client, "/routing/inbox/"))
    report = timed(lambda: get(analyst_client, "/reports/monthly/?month=2026-10&version=icb"))
    started = time.perf_counter()
    for organisation in icbs:
        selectors.monthly_report(icb=organisation, month=REPORT_MONTH, version=ReportVersion.ICB)
    national = time.perf_counter() - started

    results = {"dashboard": p95(dashboard), "inbox": p95(inbox), "report": p95(report)}
    missed = [name for name, value in results.items() if value > TARGETS_MS[name]]
    missed += ["national"] if national > NATIONAL_TARGET_S else []
    missed += ["generation"] if generation is not None and generation > GENERATE_TARGET_S else []
    made = (
        f"generated in {generation:.0f} s (≤ {GENERATE_TARGET_S:.0f})" if generation is not None else "reused"
    )
    load = os.getloadavg()[0]
    print(
        f"scale: {CONCERNS:,} concerns {made}; "
        f"dashboard p95 {results['dashboard']:.0f} ms (≤ 150), inbox page p95 {results['inbox']:.0f} ms (≤ 100), "
        f"ICB-month report p95 {results['report']:.0f} ms (≤ 500), national month report {national:.1f} s (≤ 5); "
        f"medians {statistics.median(dashboard):.0f}/{statistics.median(inbox):.0f}/{statistics.median(report):.0f} ms; "
        f"{REPEATS} runs each; load average {load:.2f} on {os.cpu_count()} CPUs"
        + (f"; MISSED: {', '.join(missed)}" if missed else "")
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
