"""NHS 111 intake benchmark: checking cost against bare fhir.resources parsing, and HTTP throughput.

1. Validation: Liaison's ``message_check`` (structure + BaRS minimums + PRSB sections + Pathways
   patterns) against bare ``fhir.resources`` R4B ``Bundle.model_validate`` of the same bundles,
   interleaved in the same process, median of several rounds. Target: ≤ 1.3 × bare parse.
2. Intake: a real gunicorn server on loopback on PostgreSQL, as the target is stated (by default
   postgres://postgres@127.0.0.1:5432/bench_fhir, dropped and created afresh; ``BENCH_DATABASE_URL``
   names another, used as it is; ``BENCH_DATABASE_URL=sqlite`` uses SQLite in a temporary directory),
   receiving unique BaRS referrals over HTTP from concurrent clients, median of several runs.
   Target: ≥ 100 messages/s accepted.

The server is run as production runs it (docs/operations.md): sync workers, a new connection per
message (sync workers do not keep connections alive), the sender's real
credential, the per-sender rate limit counted on every message (raised so that it never refuses),
and messages stored in the database. The clients build every body and header before the clock
starts, so their CPU goes on HTTP only. Each run also reports the CPU the server's workers and the
clients spent per accepted message: on a machine shared with other work that is the steadier number
(``messages/s ≈ CPUs ÷ CPU per message`` when nothing else runs).

Workers default to CPUs + 1: on 2 CPUs, 5 sync workers (docs/operations.md's 2 × CPUs + 1) cost
about 12.5 ms of server CPU per message against 8.7–9 ms with 3 (measured on a shared machine):
intake is CPU-bound, so processes beyond the CPUs add switching and wake-up cost, not throughput.

Prints one summary line last, with the load average; exits 1 when either target is missed.
Environment: BENCH_SECONDS (per intake run, default 10), BENCH_RUNS (default 3), BENCH_CLIENTS
(default 8), BENCH_WORKERS (gunicorn workers, default CPUs + 1), BENCH_WORKER_CLASS (sync, or
gthread with BENCH_THREADS threads each), BENCH_DATABASE_URL.
"""

import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This script is called fhir.py: keep its own folder off the path so ``import fhir.resources`` works.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/bench_fhir"
VALIDATION_TARGET = 1.3
THROUGHPUT_TARGET = 100.0
LIAISON = str(ROOT / ".venv" / "bin" / "liaison")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


def _corpus() -> list[dict]:
    from liaison.nhs111.samples import referral_r4

    official = json.loads(
        (ROOT / "liaison/nhs111/tests/data/bars/servicerequest-request-validation.json").read_text(
            encoding="utf-8"
        )
    )
    bundles = [official]
    variants = [(), ("allergy",), ("medication", "social"), ("flag_sg", "flag_ss"), ("related", "wishes")]
    for index in range(39):
        bundles.append(referral_r4(drop=variants[index % len(variants)], repeat_caller=index % 7 == 0))
    return bundles


def bench_validation(rounds: int = 7) -> tuple[float, float, float]:
    """Median CPU seconds per bundle for Liaison's checking and for bare R4B parsing, and their ratio.

    CPU time of this process, not wall time, so other work on a shared machine does not count.
    """
    from fhir.resources.R4B.bundle import Bundle

    from liaison.nhs111.checking import message_check

    bundles = _corpus()
    for bundle in bundles[:3]:
        message_check(bundle)
        Bundle.model_validate(bundle)
    ours, bare = [], []
    for _ in range(rounds):
        started = time.process_time()
        for bundle in bundles:
            Bundle.model_validate(bundle)
        bare.append((time.process_time() - started) / len(bundles))
        started = time.process_time()
        for bundle in bundles:
            result = message_check(bundle)
            assert not result.has_errors, [issue.diagnostics for issue in result.errors]
        ours.append((time.process_time() - started) / len(bundles))
    ratios = [a / b for a, b in zip(ours, bare, strict=True)]
    return statistics.median(ours), statistics.median(bare), statistics.median(ratios)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Idempotent, so a BENCH_DATABASE_URL database can be used for more than one run.
SETUP = """
from liaison.core.factories import OrganisationFactory
from liaison.directory.models import Organisation, OrganisationType
from liaison.nhs111.services import sender_credential_issue
def organisation(ods_code, **fields):
    return Organisation.objects.filter(ods_code=ods_code).first() or OrganisationFactory(ods_code=ods_code, **fields)
icb = organisation("QYG", name="NHS CHESHIRE AND MERSEYSIDE ICB", org_type=OrganisationType.ICB)
organisation("N82001", name="TEST MERSEY PRACTICE", org_type=OrganisationType.GP_PRACTICE, icb=icb)
sender = organisation("RX7", name="NORTH WEST 111", org_type=OrganisationType.AMBULANCE_111, icb=icb)
print(sender_credential_issue(organisation=sender, name="bench")[1])
"""


def _proc_stat(pid) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _cpu_of(pids) -> float:
    """Seconds of CPU (user + system) the processes have used; processes that are gone count 0."""
    ticks = 0
    for pid in pids:
        fields = _proc_stat(pid)
        if fields:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def fresh_database(url: str) -> None:
    """Drop and create the PostgreSQL database ``url`` names: a bench's own, never a shared one."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def _database_url(directory: Path) -> str:
    """The bench server's database: ``BENCH_DATABASE_URL`` as given ("sqlite" for a file in
    ``directory``), or by default the bench's own PostgreSQL database, made afresh by ``main``."""
    chosen = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    if chosen == "sqlite":
        return f"sqlite:///{directory / 'bench.sqlite3'}"
    return chosen


class Server:
    """gunicorn serving Liaison on loopback against a throwaway database."""

    def __init__(self, workers: int, worker_class: str = "sync", threads: int = 1):
        self.directory = Path(tempfile.mkdtemp(prefix="liaison-bench-fhir-"))
        self.port = _free_port()
        self.env = {
            **os.environ,
            "LIAISON_VAR_DIR": str(self.directory),
            "DEBUG": "0",
            "LIAISON_DEMO_DATA": "0",
            # Persistent connections, as in production.
            "DATABASE_CONN_MAX_AGE": "60",
            # One sender sends far more than its production limit (600 a minute): the limit is raised
            # so it never refuses, but still counted on every message, as production counts it.
            "LIAISON_RATE_LIMIT_CONCERNS": os.environ.get("LIAISON_RATE_LIMIT_CONCERNS", "off"),
            "LIAISON_RATE_LIMIT_111": os.environ.get("LIAISON_RATE_LIMIT_111", "100000000/60"),
            "DATABASE_URL": _database_url(self.directory),
        }
        self.workers = workers
        self.worker_class = worker_class
        self.threads = threads
        self.process = None

    @property
    def database(self) -> str:
        return "PostgreSQL" if self.env["DATABASE_URL"].startswith("postgres") else "SQLite"

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the gunicorn master and its workers."""
        pids = [self.process.pid] if self.process else []
        for entry in Path("/proc").iterdir():
            fields = _proc_stat(entry.name) if entry.name.isdigit() else None
            if fields and self.process and fields[1] == str(self.process.pid):
                pids.append(int(entry.name))
        return _cpu_of(pids)

    def database_cpu_seconds(self) -> float | None:
        """CPU used so far by the PostgreSQL backends serving this database (None on SQLite).

        The workers keep their connections (DATABASE_CONN_MAX_AGE), so the same backends serve a run.
        Other databases on the same server are not counted.
        """
        if self.database != "PostgreSQL":
            return None
        import psycopg

        with psycopg.connect(self.env["DATABASE_URL"], autocommit=True) as connection:
            rows = connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        return _cpu_of([pid for (pid,) in rows])

    # What a subclass changes: the data it needs, and a request that answers once the server is up.
    ready_path, ready_status = "/fhir/r4/$process-message", 405

    def prepare(self, run: dict) -> None:
        """Migrate the empty database and add the organisations and the 111 sender's credential."""
        subprocess.run([LIAISON, "migrate", "--no-input"], **run)  # noqa: S603
        self.secret = subprocess.run([LIAISON, "shell", "-c", SETUP], **run).stdout.strip().splitlines()[-1]  # noqa: S603

    def __enter__(self):
        run = {"env": self.env, "cwd": ROOT, "check": True, "capture_output": True, "text": True}
        self.prepare(run)
        self.process = subprocess.Popen(  # noqa: S603
            [
                GUNICORN,
                "liaison.config.wsgi:application",
                # The release's own gunicorn settings, as production starts it (docs/operations.md).
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(self.workers),
                "-k",
                self.worker_class,
                "--threads",
                str(self.threads),
            ],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", self.ready_path)
                if connection.getresponse().status == self.ready_status:
                    return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
        shutil.rmtree(self.directory, ignore_errors=True)


def _client(port: int, requests: list[tuple[bytes, dict]], stop: float, results: list) -> None:
    while time.monotonic() < stop:
        try:
            body, headers = requests.pop()
        except IndexError:
            return
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("POST", "/fhir/r4/$process-message", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        results.append((response.status, time.monotonic() - started))


@dataclass
class IntakeRun:
    rate: float  # accepted messages per second
    p95_ms: float
    failures: int  # answers other than 200
    server_cpu_ms: float  # gunicorn CPU per accepted message
    client_cpu_ms: float  # this process's CPU per accepted message (the clients)
    database_cpu_ms: float | None  # PostgreSQL backends' CPU per accepted message (None on SQLite)

    @property
    def cpu_ms(self) -> float:
        return self.server_cpu_ms + self.client_cpu_ms + (self.database_cpu_ms or 0.0)


def _requests(secret: str, count: int) -> list[tuple[bytes, dict]]:
    """Unique BaRS referrals with their headers, built before the clock starts."""
    from liaison.nhs111.samples import referral_r4

    return [
        (
            json.dumps(referral_r4()).encode(),
            {
                "Content-Type": "application/fhir+json",
                "Authorization": f"Bearer {secret}",
                "X-Request-Id": str(uuid.uuid4()),
                "X-Correlation-Id": str(uuid.uuid4()),
            },
        )
        for _ in range(count)
    ]


def bench_intake(server: Server, seconds: float, clients: int) -> IntakeRun:
    """One run of ``seconds``: throughput, p95 latency, failures and CPU per accepted message."""
    requests = _requests(server.secret, int(seconds * 400))
    results: list = []
    server_cpu, client_cpu, database_cpu = (
        server.cpu_seconds(),
        time.process_time(),
        server.database_cpu_seconds(),
    )
    started = time.monotonic()
    threads = [
        threading.Thread(target=_client, args=(server.port, requests, started + seconds, results))
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    server_cpu, client_cpu = server.cpu_seconds() - server_cpu, time.process_time() - client_cpu
    if database_cpu is not None:
        database_cpu = server.database_cpu_seconds() - database_cpu
    accepted = [latency for status, latency in results if status == 200]
    failures = len(results) - len(accepted)
    p95 = (
        statistics.quantiles([latency for _, latency in results], n=20)[-1] * 1000
        if len(results) > 1
        else 0.0
    )
    per_message = 1000 / max(len(accepted), 1)
    return IntakeRun(
        rate=len(accepted) / elapsed,
        p95_ms=p95,
        failures=failures,
        server_cpu_ms=server_cpu * per_message,
        client_cpu_ms=client_cpu * per_message,
        database_cpu_ms=None if database_cpu is None else database_cpu * per_message,
    )


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.config.settings")
    import django

    django.setup()
    ours, bare, ratio = bench_validation()
    print(
        f"validation: Liaison {ours * 1000:.1f} ms/bundle, bare R4B parse {bare * 1000:.1f} ms/bundle, ratio {ratio:.2f}"
    )
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    seconds = float(os.environ.get("BENCH_SECONDS", "10"))
    clients = int(os.environ.get("BENCH_CLIENTS", "8"))
    cpus = os.cpu_count() or 1
    workers = int(os.environ.get("BENCH_WORKERS", str(cpus + 1)))
    worker_class = os.environ.get("BENCH_WORKER_CLASS", "sync")
    threads = int(os.environ.get("BENCH_THREADS", "4" if worker_class == "gthread" else "1"))
    measured: list[IntakeRun] = []
    if "BENCH_DATABASE_URL" not in os.environ:
        fresh_database(DEFAULT_DATABASE)
    with Server(workers, worker_class, threads) as server:
        # Warm every worker (imports, connections) before measuring, as a long-running server would be.
        bench_intake(server, 3, clients)
        for run in range(runs):
            result = bench_intake(server, seconds, clients)
            measured.append(result)
            print(
                f"intake run {run + 1}: {result.rate:.0f} messages/s accepted, p95 {result.p95_ms:.0f} ms, "
                f"{result.failures} not accepted; CPU per message: server {result.server_cpu_ms:.1f} ms, "
                + (
                    f"database {result.database_cpu_ms:.1f} ms, "
                    if result.database_cpu_ms is not None
                    else "database (SQLite, in the server) "
                )
                + f"clients {result.client_cpu_ms:.1f} ms"
            )
    rate = statistics.median(run.rate for run in measured)
    p95 = statistics.median(run.p95_ms for run in measured)
    server_cpu = statistics.median(run.server_cpu_ms for run in measured)
    cpu = statistics.median(run.cpu_ms for run in measured)
    failures = sum(run.failures for run in measured)
    ceiling = cpus / bare
    ok = ratio <= VALIDATION_TARGET and rate >= THROUGHPUT_TARGET and failures == 0
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"fhir: validation {ratio:.2f}x bare R4B parse (target <= {VALIDATION_TARGET}), "
        f"intake {rate:.0f} messages/s on {server.database} with {workers} {worker_class} workers "
        f"(target >= {THROUGHPUT_TARGET:.0f}; bare-parse ceiling on {cpus} CPUs {ceiling:.0f}/s), "
        f"CPU {cpu:.1f} ms/message of which server {server_cpu:.1f} (alone on {cpus} CPUs: about "
        f"{cpus * 1000 / cpu:.0f}/s"
        + (", less on SQLite, which commits one message at a time" if server.database == "SQLite" else "")
        + f"), p95 {p95:.0f} ms, {failures} not accepted, "
        f"load average {load}" + ("" if ok else " — MISSED")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
