"""Reads of NHS 111 messages. The only way in: every read is scoped to the user's membership.

A GP practice sees the messages for its registered patients; ICB analysts and administrators see
their ICB's unregistered-patient queue and the senders' scorecards, never a practice's messages.
"""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, QuerySet
from django.utils import timezone

from liaison.accounts.models import Membership
from liaison.accounts.permissions import has_permission, is_icb_wide
from liaison.directory.models import Organisation, OrganisationType
from liaison.nhs111.checking import PRSB_SECTIONS, Conformance
from liaison.nhs111.models import (
    IntakeRejection,
    MessageStatus,
    Purpose,
    Queue,
    ReceivedMessage,
    SenderCredential,
)
from liaison.nhs111.reading import Reading, message_read

INTAKE_CREDENTIAL_FIELDS = (
    "id",
    "last_used_at",
    "organisation__id",
    "organisation__ods_code",
    "organisation__name",
    "organisation__org_type",
    "organisation__icb_id",
)


def sender_credential_for_secret(secret: str) -> SenderCredential | None:
    """The live credential matching ``secret``, with its organisation, or None."""
    if not secret:
        return None
    # Read on every 111 message, so only what intake uses, and no ordering (the digest is unique).
    found = (
        SenderCredential.objects.select_related("organisation")
        .only(*INTAKE_CREDENTIAL_FIELDS)
        .filter(digest=SenderCredential.digest_of(secret), revoked_at__isnull=True)
        .order_by()[:1]
    )
    return next(iter(found), None)


def messages_visible_to(membership: Membership | None) -> QuerySet[ReceivedMessage]:
    """The messages this membership may see: its practice's, or (ICB-wide roles) its ICB's unregistered queue."""
    if membership is None:
        return ReceivedMessage.objects.none()
    organisation = membership.organisation
    if organisation.org_type == OrganisationType.GP_PRACTICE:
        return ReceivedMessage.objects.filter(practice=organisation, queue=Queue.PRACTICE)
    if is_icb_wide(membership):
        return ReceivedMessage.objects.filter(icb=organisation, queue=Queue.UNREGISTERED)
    return ReceivedMessage.objects.none()


@dataclass
class Inbox:
    for_action: list[ReceivedMessage]
    for_information: list[ReceivedMessage]
    completed: list[ReceivedMessage]

    @property
    def is_empty(self) -> bool:
        return not (self.for_action or self.for_information or self.completed)


COMPLETED_SHOWN = 20


def inbox_for(membership: Membership | None) -> Inbox:
    """Open messages for action (soonest due first), then for information, then recently completed."""
    messages = messages_visible_to(membership).select_related("sender")
    open_messages = messages.exclude(status=MessageStatus.COMPLETED)
    return Inbox(
        for_action=list(
            open_messages.filter(purpose=Purpose.FOR_ACTION).order_by(
                F("due_by").asc(nulls_first=True), "received_at"
            )
        ),
        for_information=list(open_messages.filter(purpose=Purpose.FOR_INFORMATION).order_by("-received_at")),
        completed=list(
            messages.filter(status=MessageStatus.COMPLETED).order_by("-completed_at")[:COMPLETED_SHOWN]
        ),
    )


def message_for(membership: Membership | None, pk) -> ReceivedMessage | None:
    """One message, if this membership may see it."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        messages_visible_to(membership)
        .select_related("sender", "practice", "acknowledged_by", "completed_by")
        .filter(pk=pk)
        .first()
    )


@dataclass
class MessagePage:
    """A message as the GP reads it: the reading of its Bundle, its history and its issues."""

    message: ReceivedMessage
    reading: Reading
    events: list
    warnings: list


def message_page(message: ReceivedMessage) -> MessagePage:
    reading, _ = message_read(message.raw)
    return MessagePage(
        message=message,
        reading=reading,
        events=list(message.events.select_related("actor")),
        warnings=list(message.issues.filter(severity="warning")),
    )


# --- The conformance scorecard -------------------------------------------------------------------


@dataclass
class SenderScore:
    sender: Organisation
    received: int = 0
    rejected: int = 0
    with_required_missing: int = 0
    sections_missing: Counter = field(default_factory=Counter)
    contact_to_receipt_minutes: list[float] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.received + self.rejected

    @property
    def rejected_percent(self) -> int:
        return round(100 * self.rejected / self.total) if self.total else 0

    @property
    def median_minutes(self) -> float | None:
        return (
            round(statistics.median(self.contact_to_receipt_minutes), 1)
            if self.contact_to_receipt_minutes
            else None
        )

    @property
    def most_missing(self) -> list[tuple[str, int]]:
        return self.sections_missing.most_common()


@dataclass
class Scorecard:
    icb: Organisation
    month: date
    scores: list[SenderScore]
    required_sections: list[str]

    @property
    def previous_month(self) -> date:
        return (self.month - timedelta(days=1)).replace(day=1)

    @property
    def next_month(self) -> date | None:
        following = (self.month + timedelta(days=32)).replace(day=1)
        return following if following <= timezone.localdate().replace(day=1) else None


def month_start(text: str | None) -> date:
    """``2026-11`` → 1 November 2026; anything else → this month."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return timezone.localdate().replace(day=1)


def scorecard_for(membership: Membership | None, month: date) -> Scorecard | None:
    """Per sending 111 / 999 provider, for one month in the membership's ICB: received, rejected,
    Required sections missing (which), and time from the start of the 111 contact to receipt.
    Counts only; no patient data."""
    if not has_permission(membership, "nhs111.view_scorecard"):
        return None
    return scorecard_of(icb=membership.organisation, month=month)


def scorecard_of(*, icb: Organisation, month: date) -> Scorecard:
    """The scorecard of ``icb`` for ``month``, for callers that have already decided who may see it
    (the scorecard page above; the monthly report, which is issued with no one signed in)."""
    start = timezone.make_aware(datetime.combine(month, time.min))
    end = timezone.make_aware(datetime.combine((month + timedelta(days=32)).replace(day=1), time.min))
    scores: dict[int, SenderScore] = {}
    received = (
        ReceivedMessage.objects.filter(icb=icb, received_at__gte=start, received_at__lt=end)
        .values_list("sender_id", "sections_missing", "contact_started_at", "received_at")
        .order_by()
    )
    senders: defaultdict = defaultdict(list)
    for sender_id, missing, contact_started_at, received_at in received.iterator():
        senders[sender_id].append((missing, contact_started_at, received_at))
    rejected = dict(
        IntakeRejection.objects.filter(icb=icb, rejected_at__gte=start, rejected_at__lt=end)
        .values_list("sender_id")
        .annotate(count=Count("*"))
        .order_by()
    )
    organisations = Organisation.objects.in_bulk(set(senders) | set(rejected))
    for sender_id, organisation in organisations.items():
        score = scores.setdefault(sender_id, SenderScore(sender=organisation))
        score.rejected = rejected.get(sender_id, 0)
        for missing, contact_started_at, received_at in senders.get(sender_id, []):
            score.received += 1
            if missing:
                score.with_required_missing += 1
                score.sections_missing.update(missing)
            if contact_started_at and received_at >= contact_started_at:
                score.contact_to_receipt_minutes.append(
                    (received_at - contact_started_at).total_seconds() / 60
                )
    return Scorecard(
        icb=icb,
        month=month,
        scores=sorted(scores.values(), key=lambda s: s.sender.name),
        required_sections=[s.title for s in PRSB_SECTIONS if s.conformance == Conformance.REQUIRED],
    )
