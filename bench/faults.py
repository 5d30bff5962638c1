"""Faults: nothing accepted is lost, nothing is stored twice, every notification email arrives once.

Liaison runs as in production on loopback: a PRIVATE PostgreSQL cluster started here (initdb and
pg_ctl in a temporary folder on a spare port; the machine's own PostgreSQL is never touched),
gunicorn with several workers in production mode, the task worker (``liaison db_worker``) and a real
SMTP server (aiosmtpd) that records every message it accepts. Clients report FAULTS_SUBMISSIONS
concerns through ``POST /api/v1/concerns``, each with its own Idempotency-Key, and retry as real
clients do: on a connection error, a timeout, a 5xx or a 429, the same request with the same key,
with back-off. Meanwhile the run:

- kills a gunicorn worker with SIGKILL (the master starts another),
- stops the SMTP server for a while (deliveries fail and are retried with back-off),
- restarts PostgreSQL (an immediate shutdown, as in a crash, then a start),
- kills the task worker with SIGKILL while it holds an email it is sending, and starts it again.

Then, once every email is out (the cron safety net ``liaison deliver_notifications`` runs beside the
worker, as docs/operations.md asks), it reads the database and the SMTP server's log and checks:
every submission that got a success response is stored exactly once; none that failed is stored at
all, and no stored concern is half-stored (its submitted event, original occurrence and idempotency
record are there); every email notification for those concerns reached the SMTP server exactly once;
and no response of any kind carried a stack trace or internal detail. It prints

    faults: submissions accepted N / stored N / duplicated 0 / lost 0; notifications expected N / delivered N / duplicated 0; leaks 0

last, and exits 1 on any loss, duplicate, half-stored concern or leak.

Environment: FAULTS_SUBMISSIONS (default 1000), FAULTS_CLIENTS (default 8), FAULTS_WORKERS (gunicorn
workers, default 3), FAULTS_PG_PORT (default 55432; the next free port if taken),
FAULTS_DATABASE_URL (use this PostgreSQL database instead of a private cluster; it is dropped and
made afresh, and PostgreSQL is then not restarted).

``run_faults`` is also called by liaison/core/tests/attack/test_faults.py with a reduced plan.
"""

import contextlib
import glob
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LIAISON = str(BIN / "liaison")
GUNICORN = str(BIN / "gunicorn")

# What a response must never contain: a stack trace, a server path, a library or database message.
LEAK_MARKERS = (
    "Traceback",
    'File "',
    "site-packages",
    "/work/",
    "django.",
    "psycopg",
    "OperationalError",
    "IntegrityError",
    "sqlite",
    "SELECT ",
    "Exception",
    "Werkzeug",
)

SETUP = """
import json
from liaison.accounts.models import Role
from liaison.accounts.services import api_token_create
from liaison.core.factories import ICBFactory, MembershipFactory, PracticeFactory, TrustFactory, UserFactory
from liaison.standards.services import standards_baseline_load
standards_baseline_load()
icb = ICBFactory(ods_code="QYG", name="NHS CHESHIRE AND MERSEYSIDE INTEGRATED CARE BOARD")
trusts = []
for code, name in (("REM", "LIVERPOOL UNIVERSITY HOSPITALS NHS FOUNDATION TRUST"), ("RBS", "ALDER HEY CHILDREN'S NHS FOUNDATION TRUST")):
    trust = TrustFactory(ods_code=code, name=name, icb=icb)
    for role, who in ((Role.RESPONDER, "responder"), (Role.INTERFACE_LEAD, "lead")):
        username = f"faults.{{who}}.{{code.lower()}}"
        MembershipFactory(user=UserFactory(username=username, email=f"{{username}}@example.nhs.net"), organisation=trust, role=role)
    trusts.append(code)
tokens = []
for index in range({clients}):
    practice = PracticeFactory(ods_code=f"N9{{index:04d}}", name=f"FAULTS MEDICAL CENTRE {{index}}", icb=icb)
    username = f"faults.reporter{{index:02d}}"
    member = MembershipFactory(user=UserFactory(username=username, email=f"{{username}}@example.nhs.net"), organisation=practice, role=Role.REPORTER)
    tokens.append(api_token_create(user=member.user)[1])
print(json.dumps({{"tokens": tokens, "trusts": trusts}}))
"""

CHECK = """
import json
from liaison.concerns.models import Concern, ConcernEvent, ConcernEventKind, IdempotencyRecord, Occurrence
from liaison.notifications.emails import message_id
from liaison.notifications.models import Channel, Notification
concerns = Concern.objects.filter(reporter__username__startswith="faults.reporter")
submitted = set(ConcernEvent.objects.filter(concern__in=concerns, kind=ConcernEventKind.SUBMITTED).values_list("concern_id", flat=True))
originals = set(Occurrence.objects.filter(concern__in=concerns, is_original=True).values_list("concern_id", flat=True))
keyed = set(IdempotencyRecord.objects.filter(concern__in=concerns).values_list("concern_id", flat=True))
rows = [
    {"reference": c.reference, "impact": c.impact, "whole": c.pk in submitted and c.pk in originals and c.pk in keyed}
    for c in concerns
]
emails = [
    {"message_id": message_id(n), "status": n.status, "reference": n.concern.reference}
    for n in Notification.objects.filter(concern__in=concerns, channel=Channel.EMAIL).select_related("concern")
]
print(json.dumps({"concerns": rows, "emails": emails}))
"""

EMAILS_IN_FLIGHT = (
    "SELECT count(*) FILTER (WHERE status IN ('pending', 'sending')), count(*) FILTER (WHERE status = 'sending') "
    "FROM notifications_notification WHERE channel = 'email'"
)


def emails_in_flight(database_url: str) -> tuple[int, int]:
    """(pending or sending, sending) email rows, read straight from the database."""
    import psycopg

    with psycopg.connect(database_url, connect_timeout=5) as connection:
        return connection.execute(EMAILS_IN_FLIGHT).fetchone()


ASPECTS = ["discharge", "outpatients", "referral", "results", "medication", "appointments", "communication"]
WHAT = [
    "The discharge summary from the ward arrived {days} days after discharge and did not list the "
    "medication changes, so the practice had to phone the ward to find out what was stopped.",
    "A clinic letter asked the practice to arrange blood tests without saying which tests, why, or who "
    "would act on the results; this is one of {days} similar letters this month.",
    "The service returned a referral as incomplete although the published criteria were met; it took "
    "{days} working days and two phone calls to have it accepted.",
]


def free_port(preferred: int | None = None) -> int:
    for port in [preferred] if preferred else []:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
                return port
            except OSError:
                pass
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- PostgreSQL: a private cluster, or a database of the caller's ------------------------------------


class PrivatePostgres:
    """A PostgreSQL cluster of our own in a temporary folder: initdb, pg_ctl start, stop and restart."""

    def __init__(self, port: int):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise RuntimeError("PostgreSQL server binaries are missing (apt-get install postgresql)")
        self.bin = Path(found[-1]).parent
        self.port = port
        self.directory = Path(tempfile.mkdtemp(prefix="liaison-faults-pg-"))
        self.data = self.directory / "data"
        self.url = f"postgres://postgres@127.0.0.1:{port}/liaison_faults"
        # initdb refuses to run as root; then the cluster belongs to the postgres system user.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.directory, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, text=True)  # noqa: S603

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.directory / "log"),
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def __enter__(self):
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"
        )
        self.start()
        self._run(
            str(self.bin / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "liaison_faults",
        )
        return self

    def restart(self, down_seconds: float) -> None:
        self.stop("immediate")  # as in a crash: no checkpoint, connections cut
        time.sleep(down_seconds)
        self.start()

    def __exit__(self, *exc):
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


class GivenPostgres:
    """A database on a PostgreSQL server the caller runs: dropped and made afresh; never restarted."""

    restartable = False

    def __init__(self, url: str, *, fresh: bool = True):
        self.url, self.fresh = url, fresh

    def __enter__(self):
        import psycopg

        if not self.fresh:  # an already migrated database, such as the test database
            return self

        parts = urllib.parse.urlsplit(self.url)
        name = parts.path.lstrip("/")
        admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        return self

    def __exit__(self, *exc):
        return None


# --- The SMTP server: records every message it accepts --------------------------------------------


class SmtpSink:
    """aiosmtpd on loopback. Each accepted message is recorded with its Message-ID and recipients.

    The server takes a little time over each recipient, before the message is accepted, so that the
    task worker is often in the middle of a delivery when it is killed.
    """

    def __init__(self, port: int, rcpt_delay: float = 0.02):
        self.port, self.rcpt_delay = port, rcpt_delay
        self.received: list[tuple[str, tuple[str, ...]]] = []
        self.lock = threading.Lock()
        self.controller = None

    def start(self) -> None:
        import logging

        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)

        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                import asyncio

                await asyncio.sleep(sink.rcpt_delay)
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                from email import message_from_bytes

                message = message_from_bytes(envelope.original_content or envelope.content)
                with sink.lock:
                    sink.received.append((message.get("Message-ID", ""), tuple(envelope.rcpt_tos)))
                return "250 Message accepted for delivery"

        for _ in range(50):  # the port may linger briefly after a stop
            try:
                self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
                self.controller.start()
                return
            except (OSError, RuntimeError):
                self.controller = None
                time.sleep(0.2)
        raise RuntimeError(f"SMTP server could not listen on {self.port}")

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# --- Liaison's processes ----------------------------------------------------------------------------


def children_of(pid: int) -> list[int]:
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(Path(stat).parent.name))
    return found


@dataclass
class Plan:
    submissions: int = 1000
    clients: int = 8
    workers: int = 3
    kill_web_worker: bool = True
    smtp_outage_seconds: float = 8.0
    restart_postgres: bool = True
    kill_task_worker: bool = True
    recovery_timeout: float = 180.0


@dataclass
class Outcome:
    accepted: dict = field(default_factory=dict)  # marker -> reference
    failed: dict = field(default_factory=dict)  # marker -> last answer
    leaks: list = field(default_factory=list)
    retries: int = 0
    faults: list = field(default_factory=list)
    stored: int = 0
    duplicated: int = 0
    lost: int = 0
    half_stored: int = 0
    stored_after_failure: int = 0
    expected: int = 0
    delivered: int = 0
    notifications_duplicated: int = 0
    resent_same_message_id: int = 0
    undelivered: int = 0

    def summary(self) -> str:
        return (
            f"faults: submissions accepted {len(self.accepted)} / stored {self.stored} / duplicated "
            f"{self.duplicated} / lost {self.lost}; notifications expected {self.expected} / delivered "
            f"{self.delivered} / duplicated {self.notifications_duplicated}; leaks {len(self.leaks)}"
        )

    @property
    def ok(self) -> bool:
        return not (
            self.duplicated
            or self.lost
            or self.half_stored
            or self.stored_after_failure
            or self.failed
            or self.undelivered
            or self.notifications_duplicated
            or self.leaks
            or self.expected == 0
        )


class Liaison:
    """gunicorn (production mode) and the task worker, against the database and the SMTP server."""

    def __init__(self, database_url: str, smtp_port: int, workers: int):
        self.directory = Path(tempfile.mkdtemp(prefix="liaison-faults-"))
        self.port = free_port()
        self.workers = workers
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "liaison.config.settings",
            "LIAISON_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DEBUG": "0",
            "LIAISON_DEMO_DATA": "0",
            "LIAISON_VAR_DIR": str(self.directory),
            "DATABASE_URL": database_url,
            "DATABASE_CONN_MAX_AGE": "60",
            "LIAISON_BASE_URL": "https://liaison.faults.test",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_TIMEOUT": "5",
            # Retry quickly and without giving up, so a run's outage is recovered within the run; a
            # claim held by a worker that died is released after 40 s instead of 10 minutes (half of it covers a database restart).
            "LIAISON_NOTIFY_RETRY_SECONDS": "1",
            "LIAISON_NOTIFY_RETRY_MAX_SECONDS": "3",
            "LIAISON_NOTIFY_MAX_ATTEMPTS": "1000",
            "LIAISON_NOTIFY_CLAIM_LEASE_SECONDS": "40",
            # One client sends far more than a person would; the limit itself is tested elsewhere.
            "LIAISON_RATE_LIMIT_CONCERNS": "off",
            "LOG_LEVEL": "ERROR",
        }
        self.gunicorn = None
        self.worker = None
        self.worker_stopped = False

    def manage(self, *args: str, stdin: str | None = None, production: bool = True) -> str:
        env = dict(self.env)
        if not production:  # set-up with the test factories, before the production processes start
            env.update(LIAISON_ENV="development", DEBUG="0")
        result = subprocess.run(  # noqa: S603 (our own command)
            [LIAISON, *args, *(["--verbosity", "0"] if args[0] == "shell" else [])],
            env=env,
            cwd=ROOT,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"liaison {args[0]} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
        return result.stdout

    def start_web(self) -> None:
        self.gunicorn = subprocess.Popen(  # noqa: S603
            [
                GUNICORN,
                "liaison.config.wsgi:application",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(self.workers),
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/health", headers={"X-Forwarded-Proto": "https"})
                if connection.getresponse().status < 500:
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    def supervise(self, done: threading.Event, outcome: "Outcome") -> None:
        """Start the task worker again whenever it exits, as systemd's Restart=always does in production
        (docs/operations.md): the worker exits when its database connection is lost."""
        while not done.wait(0.5):
            worker = self.worker
            if worker is not None and worker.poll() is not None and not self.worker_stopped:
                outcome.faults.append(f"task worker exited by itself (status {worker.returncode}); restarted")
                log(outcome.faults[-1])
                self.start_task_worker()

    def start_task_worker(self) -> None:
        self.worker_stopped = False
        self.worker = subprocess.Popen(  # noqa: S603
            [LIAISON, "db_worker", "--interval", "0.2", "--no-startup-delay", "--no-reload"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill_web_worker(self) -> int:
        workers = children_of(self.gunicorn.pid)
        victim = random.choice(workers)
        os.kill(victim, signal.SIGKILL)
        return victim

    def kill_task_worker(self) -> None:
        self.worker_stopped = True
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait()

    def stop(self) -> None:
        self.worker_stopped = True
        for process in (self.worker, self.gunicorn):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


# --- Clients ---------------------------------------------------------------------------------------


def concern_body(number: int, trusts: list[str], run_id: str) -> dict:
    day = date.today() - timedelta(days=1 + number % 60)
    return {
        "part": "A",
        "about_organisation": trusts[number % len(trusts)],
        "aspect_of_care": ASPECTS[number % len(ASPECTS)],
        "event_date": day.isoformat(),
        "what_happened": WHAT[number % len(WHAT)].format(days=2 + number % 17),
        "impact": f"Extra work for the practice team (faults run {run_id}, report {number}).",
    }


def leak_in(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    return next((marker for marker in LEAK_MARKERS if marker in text), "")


def submit(port: int, token: str, body: dict, outcome: Outcome, lock: threading.Lock, give_up: float) -> None:
    """One concern, retried like a real client until it is answered for good."""
    key = str(uuid.uuid4())
    payload = json.dumps(body)
    marker = body["impact"]
    delay, deadline, last = 0.2, time.monotonic() + give_up, ""
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
            connection.request(
                "POST",
                "/api/v1/concerns",
                body=payload,
                headers={
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": key,
                    "Content-Type": "application/json",
                    "X-Forwarded-Proto": "https",
                    "Connection": "close",
                },
            )
            response = connection.getresponse()
            content = response.read()
            connection.close()
        except (OSError, http.client.HTTPException) as error:
            last = type(error).__name__
        else:
            leaked = leak_in(content)
            if leaked:
                with lock:
                    outcome.leaks.append(f"HTTP {response.status} contained {leaked!r}: {content[:200]!r}")
            if response.status in (200, 201):
                with lock:
                    outcome.accepted[marker] = json.loads(content)["reference"]
                return
            last = f"HTTP {response.status} {content[:200]!r}"
            if response.status < 500 and response.status != 429:
                break  # the request itself is wrong: retrying would not help
            retry_after = response.getheader("Retry-After")
            if retry_after and retry_after.isdigit():
                delay = max(delay, min(float(retry_after), 10.0))
        with lock:
            outcome.retries += 1
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, 3.0)
    with lock:
        outcome.failed[marker] = last


# --- The run ---------------------------------------------------------------------------------------


def _wait_for_sending(liaison: Liaison, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _, sending = emails_in_flight(liaison.env["DATABASE_URL"])
        except Exception as error:  # the database may be starting up again
            log(f"could not count emails being sent: {type(error).__name__}: {error}")
            sending = 0
        if sending:
            return True
        time.sleep(0.2)
    return False


def _faults(plan: Plan, liaison: Liaison, database, smtp: SmtpSink, progress, outcome: Outcome, done) -> None:
    """Inject each fault once the load has reached its point in the run."""

    def at(fraction: float) -> bool:
        while not done.is_set():
            if progress() >= fraction * plan.submissions:
                return True
            time.sleep(0.05)
        return False

    if plan.kill_web_worker and at(0.15):
        victim = liaison.kill_web_worker()
        outcome.faults.append(f"killed gunicorn worker {victim} (SIGKILL)")
        log(outcome.faults[-1])
    if plan.smtp_outage_seconds and at(0.3):
        smtp.stop()
        log(f"SMTP server stopped for {plan.smtp_outage_seconds:.0f} s")
        time.sleep(plan.smtp_outage_seconds)
        smtp.start()
        outcome.faults.append(f"SMTP server down for {plan.smtp_outage_seconds:.0f} s")
        log("SMTP server started again")
    if plan.restart_postgres and getattr(database, "restartable", True) and at(0.5):
        log("PostgreSQL: immediate shutdown")
        database.restart(down_seconds=3)
        outcome.faults.append("PostgreSQL restarted (immediate shutdown, down 3 s)")
        log("PostgreSQL started again")
    if plan.kill_task_worker and at(0.7):
        caught = _wait_for_sending(liaison, timeout=30)
        liaison.kill_task_worker()
        outcome.faults.append(
            "killed the task worker (SIGKILL) "
            + ("while it held an email it was sending" if caught else "(idle)")
        )
        log(outcome.faults[-1])
        time.sleep(2)
        liaison.start_task_worker()
        log("task worker started again")


def _recover(plan: Plan, liaison: Liaison) -> None:
    """Wait for every email to leave, running the cron safety net as production does."""
    deadline = time.monotonic() + plan.recovery_timeout
    while time.monotonic() < deadline:
        try:
            liaison.manage("deliver_notifications")
        except RuntimeError as error:
            log(f"deliver_notifications: {str(error)[-300:]}")
        pending, _ = emails_in_flight(liaison.env["DATABASE_URL"])
        if pending == 0:
            return
        time.sleep(2)
    log("recovery timed out with emails still pending")


def _check(liaison: Liaison, smtp: SmtpSink, outcome: Outcome) -> None:
    found = json.loads(liaison.manage("shell", "-c", CHECK).strip().splitlines()[-1])
    by_marker = Counter(row["impact"] for row in found["concerns"])
    references = {row["impact"]: row["reference"] for row in found["concerns"]}
    outcome.stored = sum(1 for marker in outcome.accepted if by_marker[marker] >= 1)
    outcome.duplicated = sum(count - 1 for count in by_marker.values() if count > 1)
    outcome.lost = sum(
        1
        for marker, reference in outcome.accepted.items()
        if by_marker[marker] == 0 or references[marker] != reference
    )
    outcome.half_stored = sum(1 for row in found["concerns"] if not row["whole"])
    outcome.stored_after_failure = sum(1 for marker in outcome.failed if by_marker[marker])
    received = Counter(message_id for message_id, _ in smtp.received)
    expected_ids = {row["message_id"] for row in found["emails"]}
    outcome.expected = len(found["emails"])
    outcome.delivered = sum(1 for message_id in expected_ids if received[message_id] >= 1)
    outcome.undelivered = outcome.expected - outcome.delivered
    # A repeat is the same notification reaching the mail server twice. The outbox gives a repeat the
    # same Message-ID (mail systems discard it), but it still counts here: the target is none.
    outcome.notifications_duplicated = sum(
        received[message_id] - 1 for message_id in expected_ids if received[message_id] > 1
    )
    outcome.resent_same_message_id = outcome.notifications_duplicated


def run_faults(
    plan: Plan, *, database_url: str | None = None, pg_port: int = 55432, migrated: bool = False
) -> Outcome:
    """One run. ``database_url``: use that PostgreSQL database (made afresh unless ``migrated``)
    instead of a private cluster."""
    outcome = Outcome()
    run_id = uuid.uuid4().hex[:8]
    database = (
        GivenPostgres(database_url, fresh=not migrated)
        if database_url
        else PrivatePostgres(free_port(pg_port))
    )
    with database:
        smtp = SmtpSink(free_port())
        smtp.start()
        liaison = Liaison(database.url, smtp.port, plan.workers)
        try:
            started = time.monotonic()
            if not migrated:
                liaison.manage("migrate", "--no-input", production=False)
            setup = json.loads(
                liaison.manage("shell", "-c", SETUP.format(clients=plan.clients), production=False)
                .strip()
                .splitlines()[-1]
            )
            liaison.start_web()
            liaison.start_task_worker()
            log(
                f"ready in {time.monotonic() - started:.0f} s: PostgreSQL {database.url.rsplit('@', 1)[1]}, gunicorn "
                f"{plan.workers} workers on :{liaison.port}, task worker, SMTP on :{smtp.port}; "
                f"{plan.clients} clients send {plan.submissions} reports"
            )
            lock, done = threading.Lock(), threading.Event()
            numbers = iter(range(plan.submissions))

            def answered() -> int:
                with lock:
                    return len(outcome.accepted) + len(outcome.failed)

            def client(index: int) -> None:
                token = setup["tokens"][index]
                while True:
                    with lock:
                        number = next(numbers, None)
                    if number is None:
                        return
                    submit(
                        liaison.port, token, concern_body(number, setup["trusts"], run_id), outcome, lock, 120
                    )

            supervisor_done = threading.Event()
            supervisor = threading.Thread(
                target=liaison.supervise, args=(supervisor_done, outcome), daemon=True
            )
            supervisor.start()
            chaos = threading.Thread(
                target=_faults, args=(plan, liaison, database, smtp, answered, outcome, done), daemon=True
            )
            chaos.start()
            load_started = time.monotonic()
            threads = [threading.Thread(target=client, args=(i,)) for i in range(plan.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            done.set()
            chaos.join()
            log(
                f"{answered()} submissions answered in {time.monotonic() - load_started:.0f} s "
                f"({outcome.retries} retries); waiting for every email"
            )
            _recover(plan, liaison)
            supervisor_done.set()
            _check(liaison, smtp, outcome)
        finally:
            liaison.stop()
            smtp.stop()
    return outcome


def main() -> int:
    plan = Plan(
        submissions=int(os.environ.get("FAULTS_SUBMISSIONS", "1000")),
        clients=int(os.environ.get("FAULTS_CLIENTS", "8")),
        workers=int(os.environ.get("FAULTS_WORKERS", "3")),
    )
    outcome = run_faults(
        plan,
        database_url=os.environ.get("FAULTS_DATABASE_URL") or None,
        pg_port=int(os.environ.get("FAULTS_PG_PORT", "55432")),
    )
    for fault in outcome.faults:
        print(f"fault: {fault}")
    for marker, answer in list(outcome.failed.items())[:5]:
        print(f"not accepted: {marker}: {answer}")
    for leak in outcome.leaks[:5]:
        print(f"leak: {leak}")
    if outcome.half_stored or outcome.stored_after_failure:
        print(f"half-stored: {outcome.half_stored}; stored although refused: {outcome.stored_after_failure}")
    if outcome.resent_same_message_id:
        print(
            f"{outcome.resent_same_message_id} emails reached the mail server twice, with the same Message-ID"
        )
    print(outcome.summary())
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
