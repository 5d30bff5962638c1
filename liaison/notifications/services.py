"""Every write to notifications: the outbox, its delivery, digests, read marks, preferences and retries.

The contract other apps call
----------------------------

``notify(*, kind, recipients, concern=None, link_path, organisation=None, key=None, returning=True) -> list[Notification]``

- ``kind``: one of the kinds below (a ``NotificationKind`` value).
- ``recipients``: an iterable of ``User`` instances and/or plain email addresses (directory contacts
  who are not users). Duplicates are sent once; an address that belongs to an active user is treated
  as that user; inactive users are skipped.
- ``concern``: the ``Concern`` it is about (its reference, LIA-000123, is the only concern detail an
  email shows), or None.
- ``link_path``: a path inside Liaison such as ``/concerns/<uuid>/`` (letters, digits, ``/ _ - . ~``,
  an optional plain query and fragment). Anything else is a ``ValueError``: free text cannot ride
  along in a link.
- ``organisation``: the organisation named in the email (default: the concern's about-organisation).
- ``key``: optional. The same ``key`` for the same recipient and channel never makes a second row, so
  a job that runs twice (``run_clocks``) notifies once. Without it every call notifies.
- ``returning``: False when the caller never reads the rows back (routing): the rows are written
  without asking the database for their ids, and the delivery task finds them by delivery key.

Call it inside the transaction that makes the change: it writes the outbox rows in that transaction
(one per recipient per channel) and returns them. The delivery task is queued in the same
transaction when the queue is the database backend (it commits with the rows or not at all), and
with ``transaction.on_commit`` for any other backend, so a rolled-back change notifies nobody.
Users get an in-app row and, unless they chose in-app only, an email row (held for the daily digest
if they chose that). Addresses get an email row only.

Kinds: ``concern_routed``, ``concern_assigned``, ``concern_acknowledged``, ``concern_status_changed``,
``concern_responded``, ``concern_closed``, ``reply_posted``, ``occurrence_added``, ``concern_overdue``,
``concern_escalated``, ``concern_redirected``, ``concern_reopened``, ``concern_merged``,
``monthly_report_issued`` (no concern: a link to the issued report, liaison.reports)
``theme_rising`` (no concern: a link to the theme, liaison.themes; once per theme per four weeks)
(``daily_digest`` is made by ``digests_send`` only).

Delivery and "never sent twice"
-------------------------------

``notifications_deliver`` claims due email rows with a compare-and-set update (pending → sending with
a claim token and one more attempt; on PostgreSQL the candidates are picked with
``SELECT … FOR UPDATE SKIP LOCKED`` so concurrent workers do not contend), sends each through Django's
email backend and marks it sent with a second compare-and-set straight after the mail server accepts
it. A row is claimed by one worker only, so two workers never send the same row.

The one window left: if a worker dies after the mail server accepted a message and before the
"sent" update commits, the row stays "sending". After the claim lease
(``LIAISON_NOTIFY_CLAIM_LEASE_SECONDS``, ten minutes by default) it goes back to pending and is sent
again, with the same Message-ID (made from the delivery key), so mail systems can discard the repeat. A worker that dies before the server accepted the message leaves the same state, and then
the second send is the only one.

Failures retry with exponential back-off (``LIAISON_NOTIFY_RETRY_SECONDS`` doubling, capped at
``LIAISON_NOTIFY_RETRY_MAX_SECONDS``) up to ``LIAISON_NOTIFY_MAX_ATTEMPTS`` attempts, then the row is
failed and shown to administrators, who can retry it. A recipient the mail server refuses outright
(5xx) fails at once. ``last_error`` says what went wrong in words, never a password or the message.
"""

import hashlib
import logging
import re
import smtplib
import socket
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.core.validators import validate_email
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from liaison.accounts.models import User
from liaison.audit.models import AuditAction
from liaison.audit.services import audit_record
from liaison.core.inserts import insert_new
from liaison.core.reference import Kept
from liaison.notifications.emails import email_for
from liaison.notifications.models import (
    Channel,
    DeliveryStatus,
    EmailFrequency,
    Notification,
    NotificationKind,
    NotificationPreference,
)

logger = logging.getLogger(__name__)

__all__ = [
    "DeliveryReport",
    "digests_send",
    "notification_mark_read",
    "notification_preference_set",
    "notification_retry",
    "notifications_deliver",
    "notifications_mark_all_read",
    "notify",
]

LINK_PATH = re.compile(r"^/[A-Za-z0-9/_\-.~]*(\?[A-Za-z0-9_\-.=&]*)?(#[A-Za-z0-9_\-]*)?$")
BATCH_SIZE = 50
# A claim older than this is taken to belong to a worker that died. Longer than any one SMTP
# conversation (each step times out after EMAIL_TIMEOUT seconds), so a slow worker is not overtaken.
CLAIM_LEASE = timedelta(minutes=10)
INTERRUPTED = (
    "Sending was interrupted before it was confirmed; sent again with the same Message-ID so that "
    "mail systems can discard a repeat"
)


def _max_attempts() -> int:
    return getattr(settings, "LIAISON_NOTIFY_MAX_ATTEMPTS", 8)


def _retry_delay(attempts: int) -> timedelta:
    """Exponential back-off: base, 2 × base, 4 × base … capped."""
    base = getattr(settings, "LIAISON_NOTIFY_RETRY_SECONDS", 60)
    cap = getattr(settings, "LIAISON_NOTIFY_RETRY_MAX_SECONDS", 6 * 60 * 60)
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


# --- Writing the outbox ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Recipient:
    user: User | None
    email: str
    frequency: str = EmailFrequency.IMMEDIATE

    @property
    def identity(self) -> str:
        return f"user:{self.user.pk}" if self.user else f"email:{self.email.lower()}"


def _frequency_read_with(user: User) -> str | None:
    """The user's email frequency if the caller read their preference with them
    (``select_related("user__notification_preference")``), else None: it is read here."""
    related = User.notification_preference.related
    if not related.is_cached(user):
        return None
    preference = related.get_cached_value(user)
    return preference.email_frequency if preference is not None else EmailFrequency.IMMEDIATE


def _users_with_addresses(addresses: tuple[str, ...]) -> list[User]:
    return list(
        User.objects.filter(is_active=True, email__in=list(addresses)).select_related(
            "notification_preference"
        )
    )


# {addresses: [users]}, kept while the reference generation stands (liaison.core.reference: any
# write to a user's address or active flag, or to a notification preference, changes it).
_USERS_BY_ADDRESS = Kept(limit=4096)


def _resolve_recipients(recipients: Iterable, *, token: str | None = None) -> list[_Recipient]:
    users: dict[int, User] = {}
    addresses: dict[str, str] = {}
    for recipient in recipients:
        if isinstance(recipient, User):
            if recipient.is_active:
                users.setdefault(recipient.pk, recipient)
        elif isinstance(recipient, str):
            address = recipient.strip()
            if address:
                addresses.setdefault(address.lower(), address)
        else:
            raise TypeError(f"A recipient must be a User or an email address, not {type(recipient).__name__}")
    if addresses:
        # A directory contact who is also a user hears as that user (in-app too, the user's preference).
        wanted = tuple(sorted(addresses.values()))
        for user in _USERS_BY_ADDRESS.get(wanted, lambda: _users_with_addresses(wanted), token=token):
            users.setdefault(user.pk, user)
        known = {user.email.lower() for user in users.values() if user.email}
        addresses = {lower: address for lower, address in addresses.items() if lower not in known}
    frequencies = {}
    unread = []
    for pk, user in users.items():
        frequency = _frequency_read_with(user)
        if frequency is None:
            unread.append(pk)
        else:
            frequencies[pk] = frequency
    if unread:
        frequencies.update(
            NotificationPreference.objects.filter(user_id__in=unread).values_list(
                "user_id", "email_frequency"
            )
        )
    resolved = [
        _Recipient(user=user, email=user.email, frequency=frequencies.get(pk, EmailFrequency.IMMEDIATE))
        for pk, user in users.items()
    ]
    resolved += [_Recipient(user=None, email=address) for address in addresses.values()]
    return resolved


def _delivery_key(key: str | None, recipient: _Recipient, channel: str) -> str:
    if key is None:
        return uuid.uuid4().hex
    return hashlib.sha256(f"{key}|{recipient.identity}|{channel}".encode()).hexdigest()[:40]


def _is_valid_address(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def _rows_for(recipient: _Recipient, common: dict, key: str | None, now: datetime) -> list[Notification]:
    rows = []
    if recipient.user is not None:
        rows.append(
            Notification(
                **common,
                channel=Channel.IN_APP,
                recipient_user=recipient.user,
                status=DeliveryStatus.SENT,
                delivered_at=now,
                delivery_key=_delivery_key(key, recipient, Channel.IN_APP),
            )
        )
        if recipient.frequency == EmailFrequency.IN_APP_ONLY or not recipient.email:
            return rows
    email = Notification(
        **common,
        channel=Channel.EMAIL,
        recipient_user=recipient.user,
        recipient_email=recipient.email,
        status=DeliveryStatus.PENDING,
        next_attempt_at=now,
        delivery_key=_delivery_key(key, recipient, Channel.EMAIL),
    )
    if recipient.frequency == EmailFrequency.DAILY_DIGEST:
        email.status, email.next_attempt_at = DeliveryStatus.HELD, None
    elif not _is_valid_address(recipient.email):
        # Kept, failed and visible to administrators rather than dropped without trace.
        email.status, email.next_attempt_at = DeliveryStatus.FAILED, None
        email.last_error = "This is not a valid email address: correct it in the who's who"
    rows.append(email)
    return rows


# Every kind, as a set: checked on every notify().
_KINDS = frozenset(NotificationKind.values)


def notify(
    *,
    kind: str,
    recipients: Iterable,
    concern=None,
    link_path: str,
    organisation=None,
    key: str | None = None,
    reference_token: str | None = None,
    returning: bool = True,
) -> list[Notification]:
    """Write outbox rows for ``kind`` to ``recipients`` in the caller's transaction; deliver after commit.

    See the module docstring for the arguments and the kinds. ``reference_token``: the reference
    generation the caller read its recipients at (``liaison.core.reference``), so which addresses
    belong to users is kept in the process while it stands. ``returning=False``: the caller does not
    read the rows back, so (without a ``key``) nothing is asked back from the database: the rows
    come back without primary keys, the delivery task is given their delivery keys instead, and
    inside a pipelined change (``liaison.core.inserts.pipelined``) their INSERT waits for nothing.
    """
    if kind not in _KINDS or kind == NotificationKind.DAILY_DIGEST:
        raise ValueError(f"Unknown notification kind {kind!r}: see liaison.notifications.services")
    if (
        not isinstance(link_path, str)
        or len(link_path) > 300
        or "//" in link_path
        or not LINK_PATH.match(link_path)
    ):
        raise ValueError("link_path must be a plain path inside Liaison, such as /concerns/<id>/")
    if organisation is None and concern is not None:
        organisation = concern.about_organisation
    now = timezone.now()
    common = {
        "kind": kind,
        "concern": concern,
        "organisation": organisation,
        "link_path": link_path,
        "created_at": now,
    }
    # No savepoint: inside the caller's transaction a failure here fails the whole change anyway.
    with transaction.atomic(savepoint=False):
        rows = []
        for recipient in _resolve_recipients(recipients, token=reference_token):
            rows.extend(_rows_for(recipient, common, key, now))
        if not rows:
            return []
        if key is None and not returning:
            insert_new(rows, returning=False)
            due_keys = [row.delivery_key for row in rows if _due(row)]
            if due_keys:
                enqueue_delivery(keys=due_keys)  # with the rows: in this transaction, or once it commits
            return rows
        if key is None and connection.features.can_return_rows_from_bulk_insert:
            saved = insert_new(rows)
        else:
            # With a caller's key a repeat is ignored, not an error: the earlier rows stand.
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
            saved = list(
                Notification.objects.filter(delivery_key__in=[row.delivery_key for row in rows])
                .select_related("recipient_user", "concern", "organisation")
                .order_by("id")
            )
        due = [row.pk for row in saved if _due(row)]
        if due:
            enqueue_delivery(due)  # with the rows: in this transaction, or once it commits
    return saved


def _due(row: Notification) -> bool:
    """An email row to send now (not an in-app row, one held for the digest, or a failed address)."""
    return row.status == DeliveryStatus.PENDING and row.channel == Channel.EMAIL


# --- Delivery -------------------------------------------------------------------------------------


def enqueue_delivery(
    ids: list[int] | None = None, run_after: datetime | None = None, *, keys: list[str] | None = None
) -> None:
    """Ask the task worker to deliver these rows (all due rows when neither ``ids`` nor their delivery
    ``keys`` are given), now or at ``run_after``.

    If the queue cannot take it, nothing is lost: ``liaison deliver_notifications`` (run by the
    scheduler) sends every due row. Called inside a transaction (the database queue, from
    ``notify``), the task is one more row in that transaction: if the database refuses it, the
    change fails with it and nobody is told it was accepted.
    """
    from liaison.core.tasking import enqueue_with_change
    from liaison.notifications.tasks import deliver_notifications

    task = deliver_notifications
    arguments = {"notification_ids": list(ids) if ids is not None else None}
    if keys is not None:
        arguments["delivery_keys"] = list(keys)
    try:
        if run_after is not None and task.get_backend().supports_defer:
            task.using(run_after=run_after).enqueue(**arguments)
        else:
            # In the caller's transaction when the queue is in this database (with the change's other
            # tasks when it writes them together), otherwise once it commits (liaison.core.tasking).
            enqueue_with_change(task, **arguments)
    except Exception:
        logger.exception("Could not enqueue notification delivery; the scheduled command will send them")


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    released: int = 0
    next_attempt_at: datetime | None = None
    sent_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "released": self.released,
        }

    def summary(self) -> str:
        return (
            f"Notifications: {self.sent} sent, {self.retrying} to retry, {self.failed} failed, "
            f"{self.released} interrupted sends released"
        )


def _error_summary(error: BaseException) -> tuple[str, bool]:
    """What went wrong, in words an administrator can act on, and whether trying again cannot help.

    Never the exception's own text: a mail server's reply can echo addresses or credentials. A
    backend may raise an error carrying its own safe ``summary`` and ``permanent`` (GOV.UK Notify does).
    """
    if isinstance(getattr(error, "summary", None), str):
        return error.summary, bool(getattr(error, "permanent", False))
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        permanent = bool(codes) and all(code >= 500 for code in codes)
        return f"The mail server refused the recipient address (code {', '.join(map(str, codes))})", permanent
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return (
            "The mail server refused Liaison's sign-in: check EMAIL_HOST_USER and EMAIL_HOST_PASSWORD",
            False,
        )
    if isinstance(error, smtplib.SMTPSenderRefused):
        return (
            f"The mail server refused the sender address (code {error.smtp_code}): check DEFAULT_FROM_EMAIL",
            False,
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return f"The mail server answered with code {error.smtp_code}", False
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return "The mail server closed the connection", False
    if isinstance(error, ConnectionRefusedError):
        return (
            "The mail server refused the connection: is it running, and are EMAIL_HOST and EMAIL_PORT right?",
            False,
        )
    if isinstance(error, socket.timeout | TimeoutError):
        return "The mail server did not answer in time", False
    if isinstance(error, OSError):
        return f"Could not reach the mail server ({type(error).__name__})", False
    return f"Sending failed ({type(error).__name__})", False


def _claim_lease() -> timedelta:
    seconds = getattr(settings, "LIAISON_NOTIFY_CLAIM_LEASE_SECONDS", None)
    return timedelta(seconds=seconds) if seconds else CLAIM_LEASE


def _release_stale_claims(now: datetime) -> int:
    """Rows left "sending" by a worker that died go back to pending (or fail after the last attempt)."""
    stale = Notification.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - _claim_lease())
    failed = stale.filter(attempts__gte=_max_attempts()).update(
        status=DeliveryStatus.FAILED, claim_token="", last_error=INTERRUPTED[:300]
    )
    retried = stale.update(
        status=DeliveryStatus.PENDING, claim_token="", next_attempt_at=now, last_error=INTERRUPTED[:300]
    )
    if failed or retried:
        logger.warning("Released %s interrupted notification sends", failed + retried)
    return failed + retried


def _claim(
    now: datetime, ids: list[int] | None, size: int, *, keys: list[str] | None = None
) -> list[Notification]:
    """Take up to ``size`` due rows for this worker alone: pending → sending, one more attempt."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        candidates = Notification.objects.due(now).order_by("next_attempt_at", "id")
        if ids is not None:
            candidates = candidates.filter(pk__in=ids)
        if keys is not None:
            candidates = candidates.filter(delivery_key__in=keys)
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        chosen = list(candidates.values_list("pk", flat=True)[:size])
        if not chosen:
            return []
        # Compare-and-set: only rows still pending change, so two workers never hold the same row.
        Notification.objects.filter(pk__in=chosen, status=DeliveryStatus.PENDING).update(
            # The lease runs from when the row is claimed, not from when this run began: a run with
            # a long backlog claims its last batch minutes after it started.
            status=DeliveryStatus.SENDING,
            claim_token=token,
            claimed_at=max(now, timezone.now()),
            attempts=F("attempts") + 1,
        )
    return list(
        Notification.objects.filter(claim_token=token, status=DeliveryStatus.SENDING)
        .select_related("recipient_user", "concern", "organisation")
        .order_by("id")
    )


def _mine(row: Notification):
    return Notification.objects.filter(pk=row.pk, claim_token=row.claim_token, status=DeliveryStatus.SENDING)


def _while_database_returns(write):
    """Run ``write``, retrying while the database is unreachable (a restart or fail-over) for up to half
    the claim lease. Used once the mail server has accepted a message: giving up then would leave the
    row "sending" and it would be sent a second time after the lease."""
    deadline = time.monotonic() + _claim_lease().total_seconds() / 2
    delay = 0.2
    while True:
        try:
            return write()
        except (OperationalError, InterfaceError):
            if time.monotonic() >= deadline or connection.in_atomic_block:
                raise
            logger.warning("Database unreachable while recording a sent email; trying again")
            connection.close()
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def _mark_sent(row: Notification, now: datetime, report: DeliveryReport) -> None:
    changed = _while_database_returns(
        lambda: _mine(row).update(status=DeliveryStatus.SENT, delivered_at=now, claim_token="", last_error="")
    )
    if changed:
        report.sent += 1
        report.sent_ids.append(row.pk)
    else:
        logger.warning("Notification %s was sent after its claim had lapsed", row.pk)


def _mark_failed(row: Notification, error: BaseException, now: datetime, report: DeliveryReport) -> None:
    summary, permanent = _error_summary(error)
    logger.warning("Notification %s not sent (attempt %s): %s", row.pk, row.attempts, summary)
    if permanent or row.attempts >= _max_attempts():
        _mine(row).update(status=DeliveryStatus.FAILED, claim_token="", last_error=summary[:300])
        report.failed += 1
        return
    next_attempt = now + _retry_delay(row.attempts)
    _mine(row).update(
        status=DeliveryStatus.PENDING, claim_token="", last_error=summary[:300], next_attempt_at=next_attempt
    )
    report.retrying += 1
    if report.next_attempt_at is None or next_attempt < report.next_attempt_at:
        report.next_attempt_at = next_attempt


def _send_batch(rows: list[Notification], now: datetime, report: DeliveryReport) -> None:
    mail = get_connection(fail_silently=False)
    try:
        mail.open()
    except Exception as error:
        for row in rows:
            _mark_failed(row, error, now, report)
        return
    attempted = 0
    try:
        for row in rows:
            attempted += 1
            try:
                message = email_for(row)
                message.connection = mail
                if message.send() != 1:
                    raise smtplib.SMTPException("The email backend sent nothing")
            except Exception as error:
                _mark_failed(row, error, now, report)
                if isinstance(error, smtplib.SMTPServerDisconnected | OSError):
                    _reopen(mail)
            else:
                _mark_sent(row, now, report)
    except BaseException:
        # The database went away or the worker is stopping: rows not yet tried go back at once
        # rather than waiting out the claim lease. If the database is down this fails too, and
        # the lease brings them back later.
        _release_untried(rows[attempted:])
        raise
    finally:
        try:
            mail.close()
        except Exception:
            logger.warning("Could not close the mail server connection cleanly")


def _release_untried(rows: list[Notification]) -> None:
    for row in rows:
        try:
            _mine(row).update(status=DeliveryStatus.PENDING, claim_token="", attempts=F("attempts") - 1)
        except Exception:
            logger.warning("Could not release notification %s; its claim lease will", row.pk)


def _reopen(mail) -> None:
    try:
        mail.close()
        mail.open()
    except Exception:
        logger.warning("Could not reconnect to the mail server")


def notifications_deliver(
    *,
    ids: list[int] | None = None,
    keys: list[str] | None = None,
    now: datetime | None = None,
    limit: int = 1000,
    schedule_retry: bool = True,
) -> DeliveryReport:
    """Send due email rows (only ``ids``, or only the rows with these delivery ``keys``, if given), at
    most ``limit``.

    When some failed, and ``schedule_retry`` is on (the task worker), one deferred task is enqueued
    for the earliest retry; the scheduled command turns it off, since it runs again anyway. Safe to
    run in several workers at once and from the scheduler at the same time as the task worker: each
    row is claimed by one of them only.
    """
    now = now or timezone.now()
    report = DeliveryReport(released=_release_stale_claims(now))
    handled = 0
    while handled < limit:
        rows = _claim(now, ids, min(BATCH_SIZE, limit - handled), keys=keys)
        if not rows:
            break
        handled += len(rows)
        _send_batch(rows, now, report)
    if schedule_retry and report.next_attempt_at is not None:
        enqueue_delivery(None, run_after=report.next_attempt_at)
    return report


# --- The daily digest -----------------------------------------------------------------------------


def _digest_for(user_id: int, day: date, now: datetime) -> Notification | None:
    key = f"digest-{user_id}-{day.isoformat()}"
    try:
        with transaction.atomic():
            if Notification.objects.filter(delivery_key=key).exists():
                return None
            held = Notification.objects.filter(
                recipient_user_id=user_id,
                channel=Channel.EMAIL,
                status=DeliveryStatus.HELD,
                created_at__lte=now,
            )
            if connection.features.has_select_for_update:
                held = held.select_for_update()
            items = list(held.select_related("recipient_user"))
            if not items:
                return None
            user = items[0].recipient_user
            digest = Notification.objects.create(
                kind=NotificationKind.DAILY_DIGEST,
                channel=Channel.EMAIL,
                recipient_user=user,
                recipient_email=user.email or items[-1].recipient_email,
                link_path=reverse("notifications:list"),
                status=DeliveryStatus.PENDING,
                next_attempt_at=now,
                delivery_key=key,
                created_at=now,
            )
            Notification.objects.filter(
                pk__in=[item.pk for item in items], status=DeliveryStatus.HELD
            ).update(status=DeliveryStatus.DIGESTED, digest=digest)
            transaction.on_commit(lambda: enqueue_delivery([digest.pk]), robust=True)
            return digest
    except IntegrityError:
        # Another run made today's digest for this person at the same moment.
        return None


def digests_send(*, day: date | None = None, now: datetime | None = None) -> int:
    """Gather each person's held emails into one digest email for ``day``; returns how many were made.

    Idempotent per day: a person gets at most one digest a day, however often this runs. Items that
    arrive after today's digest wait for tomorrow's.
    """
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    user_ids = (
        Notification.objects.filter(channel=Channel.EMAIL, status=DeliveryStatus.HELD, created_at__lte=now)
        .values_list("recipient_user_id", flat=True)
        .distinct()
    )
    made = 0
    for user_id in sorted(set(user_ids)):
        if _digest_for(user_id, day, now) is not None:
            made += 1
    return made


# --- In-app reading, preferences, administrators' retries -----------------------------------------


def notification_mark_read(*, user: User, notification_id: int) -> bool:
    """Mark one of the user's own in-app notifications read; False when there is no such unread one."""
    return bool(
        Notification.objects.unread()
        .filter(pk=notification_id, recipient_user=user)
        .update(read_at=timezone.now())
    )


def notifications_mark_all_read(*, user: User) -> int:
    """Mark all the user's in-app notifications read; returns how many changed."""
    return Notification.objects.unread().filter(recipient_user=user).update(read_at=timezone.now())


def notification_preference_set(*, user: User, email_frequency: str, request=None) -> NotificationPreference:
    """Record how the user wants to be emailed. Emails already held go out in the next digest."""
    if email_frequency not in EmailFrequency.values:
        raise ValidationError({"email_frequency": "Choose how often Liaison should email you"})
    with transaction.atomic():
        preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
        before = preference.email_frequency
        if before != email_frequency:
            preference.email_frequency = email_frequency
            preference.save(update_fields=["email_frequency", "updated_at"])
            audit_record(
                action=AuditAction.UPDATE,
                actor=user,
                obj=preference,
                changes={"email_frequency": [before, email_frequency]},
                request=request,
                object_repr=f"Notification preference of {user.username}",
            )
    return preference


def notification_retry(*, actor: User, notification: Notification, request=None) -> Notification:
    """Send a failed or retrying email again now, with a fresh set of attempts. Audited.

    The caller has checked ``notifications.retry_delivery`` for this row.
    """
    with transaction.atomic():
        changed = Notification.objects.filter(
            Q(status=DeliveryStatus.FAILED) | Q(status=DeliveryStatus.PENDING, attempts__gt=0),
            pk=notification.pk,
            channel=Channel.EMAIL,
        ).update(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now())
        if not changed:
            raise ValidationError(
                "This email is not waiting to be retried: it has been sent or is being sent now"
            )
        audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            obj=notification,
            changes={
                "status": [notification.status, DeliveryStatus.PENDING],
                "attempts": [notification.attempts, 0],
            },
            request=request,
            object_repr=f"Notification {notification.pk} ({notification.kind})",
        )
        transaction.on_commit(lambda: enqueue_delivery([notification.pk]), robust=True)
    notification.refresh_from_db()
    return notification
