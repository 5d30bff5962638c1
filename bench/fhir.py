"""NHS 111 intake benchmark: checking cost against bare fhir.resources parsing, and HTTP throughput.

1. Validation: Liaison's ``message_check`` (structure + BaRS minimums + PRSB sections + Pathways
   patterns) against bare ``fhir.resources`` R4B ``Bundle.model_validate`` of the same bundles,
   interleaved in the same process, median of several rounds. Target: ≤ 1.3 × bare parse.
2. Intake: a real gunicorn server on loopback (SQLite in a temporary directory, or PostgreSQL when
   ``BENCH_DATABASE_URL`` is set) receiving unique BaRS referrals over HTTP from concurrent clients,
   median of several runs. Target: ≥ 100 messages/s accepted.

Prints one summary line last; exits 1 when either target is missed.
Environment: BENCH_SECONDS (per intake run, default 10), BENCH_RUNS (default 3), BENCH_CLIENTS
(default 8), BENCH_WORKERS (gunicorn workers, default CPUs + 1), BENCH_DATABASE_URL.
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
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This script is called fhir.py: keep its own folder off the path so ``import fhir.resources`` works.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
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
    """Median seconds per bundle for Liaison's checking and for bare R4B parsing, and their ratio."""
    from fhir.resources.R4B.bundle import Bundle

    from liaison.nhs111.checking import message_check

    bundles = _corpus()
    for bundle in bundles[:3]:
        message_check(bundle)
        Bundle.model_validate(bundle)
    ours, bare = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        for bundle in bundles:
            Bundle.model_validate(bundle)
        bare.append((time.perf_counter() - started) / len(bundles))
        started = time.perf_counter()
        for bundle in bundles:
            result = message_check(bundle)
            assert not result.has_errors, [issue.diagnostics for issue in result.errors]
        ours.append((time.perf_counter() - started) / len(bundles))
    ratios = [a / b for a, b in zip(ours, bare, strict=True)]
    return statistics.median(ours), statistics.median(bare), statistics.median(ratios)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SETUP = """
from liaison.core.factories import OrganisationFactory
from liaison.directory.models import OrganisationType
from liaison.nhs111.services import sender_credential_issue
icb = OrganisationFactory(ods_code="QYG", name="NHS CHESHIRE AND MERSEYSIDE ICB", org_type=OrganisationType.ICB)
OrganisationFactory(ods_code="N82001", name="TEST MERSEY PRACTICE", org_type=OrganisationType.GP_PRACTICE, icb=icb)
sender = OrganisationFactory(ods_code="RX7", name="NORTH WEST 111", org_type=OrganisationType.AMBULANCE_111, icb=icb)
print(sender_credential_issue(organisation=sender, name="bench")[1])
"""


class Server:
    """gunicorn serving Liaison on loopback against a throwaway database."""

    def __init__(self, workers: int):
        self.directory = Path(tempfile.mkdtemp(prefix="liaison-bench-fhir-"))
        self.port = _free_port()
        self.env = {
            **os.environ,
            "LIAISON_VAR_DIR": str(self.directory),
            "DEBUG": "0",
            "LIAISON_DEMO_DATA": "0",
            # Persistent connections, as in production.
            "DATABASE_CONN_MAX_AGE": "60",
            # The benchmarks measure throughput from a few senders and users: rate limits (per user and
            # per sending organisation, docs/operations.md) are raised unless the caller sets them.
            "LIAISON_RATE_LIMIT_CONCERNS": os.environ.get("LIAISON_RATE_LIMIT_CONCERNS", "off"),
            "LIAISON_RATE_LIMIT_111": os.environ.get("LIAISON_RATE_LIMIT_111", "off"),
            "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL")
            or f"sqlite:///{self.directory / 'bench.sqlite3'}",
        }
        self.workers = workers
        self.process = None

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
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(self.workers),
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
        if not os.environ.get("BENCH_DATABASE_URL"):
            shutil.rmtree(self.directory, ignore_errors=True)


def _client(port: int, secret: str, bodies: list[bytes], stop: float, results: list) -> None:
    while time.monotonic() < stop and bodies:
        try:
            body = bodies.pop()
        except IndexError:
            return
        headers = {
            "Content-Type": "application/fhir+json",
            "Authorization": f"Bearer {secret}",
            "X-Request-Id": str(uuid.uuid4()),
            "X-Correlation-Id": str(uuid.uuid4()),
        }
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("POST", "/fhir/r4/$process-message", body=body, headers=headers)
        status = connection.getresponse().status
        connection.close()
        results.append((status, time.monotonic() - started))


def bench_intake(server: Server, seconds: float, clients: int) -> tuple[float, float, int]:
    """Accepted messages per second, p95 latency (ms) and the count of non-200 answers for one run."""
    from liaison.nhs111.samples import referral_r4

    bodies = [json.dumps(referral_r4()).encode() for _ in range(int(seconds * 400))]
    results: list = []
    stop = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_client, args=(server.port, server.secret, bodies, stop, results))
        for _ in range(clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    accepted = [latency for status, latency in results if status == 200]
    failures = len(results) - len(accepted)
    p95 = (
        statistics.quantiles([latency for _, latency in results], n=20)[-1] * 1000
        if len(results) > 1
        else 0.0
    )
    return len(accepted) / elapsed, p95, failures


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
    workers = int(os.environ.get("BENCH_WORKERS", str((os.cpu_count() or 1) + 1)))
    rates, p95s, failures = [], [], 0
    with Server(workers) as server:
        # Warm every worker (imports, connections) before measuring, as a long-running server would be.
        bench_intake(server, 3, clients)
        for run in range(runs):
            rate, p95, failed = bench_intake(server, seconds, clients)
            rates.append(rate)
            p95s.append(p95)
            failures += failed
            print(
                f"intake run {run + 1}: {rate:.0f} messages/s accepted, p95 {p95:.0f} ms, {failed} not accepted"
            )
    rate, p95 = statistics.median(rates), statistics.median(p95s)
    ceiling = (os.cpu_count() or 1) / bare
    ok = ratio <= VALIDATION_TARGET and rate >= THROUGHPUT_TARGET and failures == 0
    print(
        f"fhir: validation {ratio:.2f}x bare R4B parse (target <= {VALIDATION_TARGET}), "
        f"intake {rate:.0f} messages/s (target >= {THROUGHPUT_TARGET:.0f}; bare-parse ceiling on "
        f"{os.cpu_count()} CPUs {ceiling:.0f}/s), p95 {p95:.0f} ms, {failures} not accepted"
        + ("" if ok else " — MISSED")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
