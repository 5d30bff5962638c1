"""Every write in routing and response: routing a concern, its clocks, the workflow and the thread.

Each function that changes a concern writes, in one transaction, the change itself, a
``ConcernEvent`` (who, when, from → to, why), an audit event and the notifications to send.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db import models as django_models
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone

from liaison.accounts.models import Membership, Role
from liaison.audit.models import AuditAction
from liaison.audit.services import audit_event, audit_record, audit_record_all
from liaison.concerns.models import (
    OPEN_STATUSES,
    Concern,
    ConcernEvent,
    ConcernEventKind,
    ConcernOutcome,
    ConcernStatus,
)
from liaison.core import reference
from liaison.core.inserts import insert_new, next_id_later
from liaison.core.reference import Kept
from liaison.directory.models import Contact, ContactRole, Organisation, OrganisationType
from liaison.privacy.detection import log_detections, scan_text
from liaison.routing.clocks import add_working_days, working_days_between
from liaison.routing.models import (
    Assignment,
    ClockKind,
    ClockPolicy,
    ConcernClock,
    Escalation,
    EscalationRung,
    Rating,
    ResponseRating,
    ResponseTemplate,
    RoutingDecision,
    RoutingRule,
    ThreadMessage,
)

# --- Notifications: the one place routing hands work to the outbox --------------------------------


def _notify(
    *,
    kind: str,
    concern: Concern,
    users=(),
    emails=(),
    actor=None,
    key: str | None = None,
    reference_token: str | None = None,
) -> None:
    """Queue a notification about ``concern`` for ``users`` (and addresses of people not on Liaison).

    Only a kind and a link travel: the notifications app never puts free text or patient
    references in an email. Routing calls this and nothing else, so the outbox is one call away.
    """
    from liaison.notifications.services import notify

    recipients = [user for user in users if user is not None and user != actor] + list(emails)
    if not recipients:
        return
    notify(
        kind=kind,
        recipients=recipients,
        concern=concern,
        link_path=case_link(concern),
        key=key,
        reference_token=reference_token,
        returning=False,  # routing never reads the rows back
    )


def case_link(concern: Concern) -> str:
    """The path of the concern's case page (the notifications app makes it absolute)."""
    return reverse("routing:case", args=[concern.reference])


# --- Clocks ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockSettings:
    acknowledge_days: int = 2
    respond_days: int = 20
    escalation_step_days: int = 5
    reopen_days: int = 28


def clock_settings_for(icb: Organisation | None) -> ClockSettings:
    """The ICB's clock policy, or the England defaults (acknowledge 2, respond 20 working days).

    Read with the ICB when the caller has it already (a new concern's about-organisation comes with
    its ICB's policy, or the knowledge that it has none), else one query.
    """
    if icb is None:
        policy = None
    elif Organisation.clock_policy.is_cached(icb):
        policy = Organisation.clock_policy.related.get_cached_value(icb)
    else:
        policy = ClockPolicy.objects.filter(icb=icb).first()
    if policy is None:
        return ClockSettings()
    return ClockSettings(
        acknowledge_days=policy.acknowledge_days,
        respond_days=policy.respond_days,
        escalation_step_days=policy.escalation_step_days,
        reopen_days=policy.reopen_days,
    )


def clock_start(*, concern: Concern, started_on: date | None = None, first: bool = False) -> ConcernClock:
    """Start (or restart, as a new cycle) the concern's acknowledge and respond clocks.

    ``first``: the concern was stored in this transaction and has no clock yet, so none is read.
    """
    started_on = started_on or timezone.localdate()
    policy = clock_settings_for(concern.about_icb)
    due = {
        "started_on": started_on,
        "acknowledge_due": add_working_days(started_on, policy.acknowledge_days),
        "respond_due": add_working_days(started_on, policy.respond_days),
        "acknowledged_at": None,
        "responded_at": None,
        "stopped_at": None,
        "overdue_since": None,
    }
    clock = None if first else ConcernClock.objects.filter(concern=concern).first()
    if clock is None:
        # Nothing reads the new clock back within the submission: its INSERT need not be waited for.
        return insert_new([ConcernClock(concern_id=concern.pk, **due)], returning=False)[0]
    for name, value in due.items():
        setattr(clock, name, value)
    clock.cycle += 1
    clock.save()
    return clock


# --- Routing --------------------------------------------------------------------------------------


@dataclass
class ConcernFacts:
    """What routing rules can match on, worked out once per concern."""

    icb_ids: set[int]
    organisation_ids: set[int]
    specialty_id: int | None
    standard_ids: set[int]
    aspect_of_care: str
    place_ids: set[int] = field(default_factory=set)


def concern_facts(concern: Concern, *, standard_ids: Collection[int] | None = None) -> ConcernFacts:
    """What the rules can match on. ``standard_ids``: the breached standards, when the caller has just
    stored them (a new concern), so they are not read back."""
    about = concern.about_organisation
    organisation_ids = {about.pk}
    # A concern about a trust site is a concern about its trust too.
    if about.org_type == OrganisationType.TRUST_SITE and about.parent_id:
        organisation_ids.add(about.parent_id)
    place_ids = {
        place_id
        for place_id in (concern.reporter_organisation.place_id, about.place_id)
        if place_id is not None
    }
    if standard_ids is None:
        standard_ids = concern.standards_breached.order_by().values_list("standard_id", flat=True)
    return ConcernFacts(
        icb_ids={icb_id for icb_id in (concern.about_icb_id, concern.reporter_icb_id) if icb_id},
        organisation_ids=organisation_ids,
        specialty_id=concern.specialty_id,
        standard_ids=set(standard_ids),
        aspect_of_care=concern.aspect_of_care,
        place_ids=place_ids,
    )


def rule_matches(rule: RoutingRule, facts: ConcernFacts) -> bool:
    """Does every criterion the rule fills in match the concern? Blank criteria match anything."""
    return (
        (rule.about_organisation_id is None or rule.about_organisation_id in facts.organisation_ids)
        and (rule.specialty_id is None or rule.specialty_id == facts.specialty_id)
        and (rule.standard_id is None or rule.standard_id in facts.standard_ids)
        and (not rule.aspect_of_care or rule.aspect_of_care == facts.aspect_of_care)
        and (rule.place_id is None or rule.place_id in facts.place_ids)
    )


def rules_winning(rules, facts: ConcernFacts) -> tuple[list[RoutingRule], int]:
    """The most specific of the rules that match, and how many matched in all.

    Precedence, stated once: a rule that fills in more criteria wins over one that fills in fewer.
    Between rules with as many criteria, the weights decide: about-organisation (16) > specialty (8)
    > standard (4) > aspect of care (2) > Place (1), so "about the trust + specialty" beats "about
    the trust + standard". Rules with exactly the same criteria all win together, so one set of
    criteria can send to several recipients.
    """
    matching = [rule for rule in rules if rule_matches(rule, facts)]
    if not matching:
        return [], 0
    best = max(rule.specificity for rule in matching)
    return [rule for rule in matching if rule.specificity == best], len(matching)


def icb_rules(facts: ConcernFacts, *, token: str | None = None) -> list[RoutingRule]:
    """Every active rule of the concern's ICBs, in the order they were made, ready to explain and to
    assign; ``rules_winning`` then picks the ones that match, most specific first.

    Kept in this process while the reference generation ``token`` stands (``liaison.core.reference``:
    any write to a rule, or to the organisations, contacts, members and users they name, changes it).
    """
    icb_ids = tuple(sorted(facts.icb_ids))
    return _ACTIVE_RULES.get(icb_ids, lambda: _active_rules_of(icb_ids), token=token)


def _active_rules_of(icb_ids: tuple[int, ...]) -> list[RoutingRule]:
    """Every active rule of these ICBs, made ready to explain and to assign (four queries at most)."""
    rules = list(
        RoutingRule.objects.active().filter(icb_id__in=icb_ids).select_related(*RULE_JOINED).order_by("id")
    )
    prefetch_related_objects(rules, *RULE_DETAILS)
    return rules


_ACTIVE_RULES = Kept(limit=512)


# What the explanation and the recipient of a winning rule read: the three most rules fill in come
# with the rules (a join of four tables plans quickly); the rest are fetched for the winners only,
# one query for each kind a winner has.
RULE_JOINED = ("about_organisation", "recipient_organisation", "standard")
RULE_DETAILS = (
    "specialty",
    "place",
    Prefetch(
        "recipient_contact",
        queryset=Contact.objects.select_related(
            "organisation", "user", "user__notification_preference"
        ).order_by(),
    ),
)
# A member's notification preference comes with them, so the outbox need not read it again.
MEMBER_JOINED = ("user", "user__notification_preference")

RESPONDING_ROLES = (Role.RESPONDER, Role.INTERFACE_LEAD)


def _organisation_for_defaults(about: Organisation) -> Organisation:
    if about.org_type == OrganisationType.TRUST_SITE and about.parent_id:
        return about.parent
    return about


# Who a role target reaches, when routing has already read them: {(organisation id, role): [users]}.
Members = dict[tuple[int, str], list]


def _responding_members(organisation_id: int, roles: tuple[str, ...]) -> list:
    """Active members with one of ``roles`` at the organisation (all roles for ``("",)``), with
    their users and notification preferences, by role then id: (role, user) pairs."""
    members = Membership.objects.active().filter(organisation_id=organisation_id, user__is_active=True)
    if "" not in roles:
        members = members.filter(role__in=roles)
    return [
        (membership.role, membership.user)
        for membership in members.select_related(*MEMBER_JOINED).order_by("role", "id")
    ]


def _whos_who_leads(organisation: Organisation) -> list[Contact]:
    """The organisation's active who's-who interface leads and service leads, with their service."""
    contacts = list(
        Contact.objects.filter(
            organisation=organisation,
            is_active=True,
            role__in=[ContactRole.INTERFACE_LEAD, ContactRole.SERVICE_LEAD],
        )
        .select_related("user", "user__notification_preference", "service")
        .order_by("role", "name", "id")
    )
    for contact in contacts:
        contact.organisation = organisation
    return contacts


# Who responds for an organisation, kept like the rules: {(organisation id, roles): [(role, user)]}
# and {organisation id: [Contact]}.
_MEMBERS = Kept(limit=4096)
_LEADS = Kept(limit=4096)


def _default_assignments(concern: Concern, *, token: str | None) -> tuple[list[dict], str, str, Members]:
    """No rule matched: the organisation's default recipients, with the reason in words.

    1. Responders and interface leads who are members of the about-organisation (its trust for
       a trust site), else
    2. its who's-who interface leads and service leads (for the concern's specialty where named),
       else
    3. the ICB interface team (ICB analysts at the about-organisation's ICB), who pass it on, else
    4. everyone at the about-organisation, so a concern is never left with nobody.

    Also returns the members it read for step 1, so they are not read again to be notified.
    """
    organisation = _organisation_for_defaults(concern.about_organisation)
    name = organisation.display_name
    members: Members = {}
    responding = _MEMBERS.get(
        (organisation.pk, RESPONDING_ROLES),
        lambda: _responding_members(organisation.pk, RESPONDING_ROLES),
        token=token,
    )
    for role, user in responding:
        members.setdefault((organisation.pk, role), []).append(user)
    if members:
        ordered = [role for role in RESPONDING_ROLES if (organisation.pk, role) in members]
        return (
            [{"organisation": organisation, "role": role} for role in ordered],
            "organisation_members",
            f"No routing rule matches this concern, so it went to {name}'s default: "
            f"its {' and '.join(Role(role).label.lower() + 's' for role in ordered)} on Liaison.",
            members,
        )
    contacts = [
        contact
        for contact in _LEADS.get(organisation.pk, lambda: _whos_who_leads(organisation), token=token)
        # Service leads for the concern's specialty, or for no one service; interface leads always.
        if contact.role == ContactRole.INTERFACE_LEAD
        or contact.service_id is None
        or (concern.specialty_id is not None and contact.service.specialty_id == concern.specialty_id)
    ]
    if contacts:
        names = ", ".join(f"{contact.name} ({contact.get_role_display()})" for contact in contacts)
        return (
            [
                {"organisation": organisation, "contact": contact, "user": contact.user}
                for contact in contacts
            ],
            "whos_who",
            f"No routing rule matches this concern and nobody at {name} responds on Liaison yet, "
            f"so it went to the contacts named for {name} in the who's who: {names}.",
            members,
        )
    icb = concern.about_icb
    if icb is not None:
        return (
            [{"organisation": icb, "role": Role.ICB_ANALYST}],
            "icb_team",
            f"No routing rule matches this concern and {name} has no responders or named contacts, "
            f"so it went to the interface team at {icb.display_name} to pass on.",
            members,
        )
    return (
        [{"organisation": organisation, "role": ""}],
        "everyone",
        f"No routing rule matches this concern and {name} has no responders, named contacts or ICB, "
        f"so it went to everyone at {name} on Liaison.",
        members,
    )


def _rule_assignment(rule: RoutingRule) -> dict:
    if rule.recipient_contact_id:
        contact = rule.recipient_contact
        return {"organisation": contact.organisation, "contact": contact, "user": contact.user}
    return {"organisation": rule.recipient_organisation, "role": rule.recipient_role}


def _rule_explanation(winners: list[RoutingRule], matched: int) -> str:
    sentences = []
    for rule in winners:
        sentences.append(
            f"Rule {rule.pk} (version {rule.version}) sends concerns {rule.criteria_text()} "
            f"to {rule.recipient_text()}."
        )
    if matched > len(winners):
        sentences.append(
            f"{matched} rules matched; {'this is' if len(winners) == 1 else 'these are'} the most "
            "specific, so the others were not used."
        )
    return " ".join(sentences)


def assignment_recipients(assignment: Assignment) -> tuple[list, list[str]]:
    """The users to tell about an assignment, and email addresses of named contacts not on Liaison."""
    if assignment.user_id:
        return [assignment.user], []
    if assignment.contact_id:
        return [], [assignment.contact.email] if assignment.contact.email else []
    memberships = Membership.objects.active().filter(
        organisation_id=assignment.organisation_id, user__is_active=True
    )
    if assignment.role:
        memberships = memberships.filter(role=assignment.role)
    return [membership.user for membership in memberships.select_related("user")], []


def _assignments_recipients(
    assignments: list[Assignment], members: Members, *, token: str | None
) -> tuple[list, list[str]]:
    """``assignment_recipients`` for every assignment of one routing.

    Role assignments whose members routing has already read (``members``) are not read again; the
    rest come from the members kept for the reference generation ``token``.
    """
    wanted = [
        (assignment.organisation_id, assignment.role)
        for assignment in assignments
        if not assignment.user_id and not assignment.contact_id
    ]
    missing = [key for key in wanted if key not in members]
    if missing:
        members = dict(members)
        for organisation_id, role in missing:
            roles = (role,)
            members[(organisation_id, role)] = [
                user
                for _, user in _MEMBERS.get(
                    (organisation_id, roles),
                    lambda organisation_id=organisation_id, roles=roles: _responding_members(
                        organisation_id, roles
                    ),
                    token=token,
                )
            ]
    users, emails = [], []
    for assignment in assignments:
        if assignment.user_id:
            users.append(assignment.user)
        elif assignment.contact_id:
            emails += [assignment.contact.email] if assignment.contact.email else []
        else:
            users += members[(assignment.organisation_id, assignment.role)]
    return users, emails


@transaction.atomic(savepoint=False)
def route_concern(
    *,
    concern: Concern,
    actor=None,
    reason_prefix: str = "",
    first: bool = False,
    standard_ids: Collection[int] | None = None,
    events_before: Sequence[ConcernEvent] = (),
    audit_before: Sequence = (),
    reference_token: str | None = None,
    decision_id: int | None = None,
) -> RoutingDecision:
    """Work out who the concern goes to, assign it, and explain why. Never raises for want of a rule.

    Ends any earlier assignments: use it for a new concern and again after a redirect. ``first``
    says the concern has never been routed (it was stored in this transaction), so there is
    nothing earlier to end; ``standard_ids`` are its breached standards, if the caller has them;
    ``events_before`` are unsaved events of the caller's that come before ROUTED in the timeline
    (the SUBMITTED event), stored with it in one insert; ``audit_before`` likewise, unsaved audit
    events of the caller's (``audit_event``), stored with the decision's in one insert;
    ``reference_token``: the reference generation the caller read the concern's organisation at
    (``liaison.core.reference``), else it is read here. Rules and recipients are kept per process
    while it stands. ``decision_id``: an id taken for the decision beforehand (``decision_id_later``),
    so storing it waits for no answer.
    """
    now = timezone.now()
    token = reference_token if reference_token is not None else reference.token()
    facts = concern_facts(concern, standard_ids=standard_ids)
    winners, matched = rules_winning(icb_rules(facts, token=token), facts)
    members: Members = {}
    if winners:
        targets = [_rule_assignment(rule) for rule in winners]
        fallback, explanation = "", _rule_explanation(winners, matched)
    else:
        targets, fallback, explanation, members = _default_assignments(concern, token=token)
    explanation = f"{reason_prefix} {explanation}".strip()

    if not first:
        concern.assignments.filter(ended_at__isnull=True).update(ended_at=now)
        concern.routing_decisions.filter(is_current=True).update(is_current=False)
    (decision,) = insert_new(
        [
            RoutingDecision(
                id=decision_id,
                concern=concern,
                decided_at=now,
                actor=actor,
                rule_versions={str(rule.pk): rule.version for rule in winners},
                fallback=fallback,
                explanation=explanation,
            )
        ]
    )
    if winners:
        insert_new(
            [
                RoutingDecision.rules.through(routingdecision_id=decision.pk, routingrule_id=rule.pk)
                for rule in winners
            ],
            returning=False,
        )
    assignments = []
    seen = set()
    for target in targets:
        key = (target["organisation"].pk, target.get("role", ""), getattr(target.get("contact"), "pk", None))
        if key in seen:
            continue
        seen.add(key)
        assignments.append(
            Assignment(
                concern_id=concern.pk,
                decision_id=decision.pk,
                specialty_id=concern.specialty_id,
                created_at=now,
                **target,
            )
        )
    insert_new(assignments, returning=False)
    routed = ConcernEvent(
        concern_id=concern.pk,
        kind=ConcernEventKind.ROUTED,
        actor_id=getattr(actor, "pk", None),
        reason=explanation[:500],
        occurred_at=now,
    )
    insert_new([*events_before, routed], returning=False)
    audit_record_all(
        [
            *audit_before,
            audit_event(
                action=AuditAction.CREATE,
                actor=actor,
                obj=decision,
                organisation=concern.about_organisation,
                object_repr=f"Routing of {concern.reference}",
                changes={"assigned_to": [None, [assignment.describe() for assignment in assignments]]},
            ),
        ],
        returning=False,
    )
    users, emails = _assignments_recipients(assignments, members, token=token)
    _notify(
        kind="concern_assigned",
        concern=concern,
        users=_unique(users),
        emails=_unique(emails),
        actor=actor,
        reference_token=token,
    )
    return decision


def _unique(items: list) -> list:
    return list(dict.fromkeys(items))


def decision_id_later():
    """For a submission about to store its concern: take the id its routing decision will have, with
    no round trip of its own (``liaison.core.inserts.next_id_later``). None outside a pipelined
    change; else a function to call once the concern's own INSERT has been answered."""
    return next_id_later(RoutingDecision)


@transaction.atomic(savepoint=False)
def route_new_concern(
    *,
    concern: Concern,
    actor,
    standard_ids: Collection[int] | None = None,
    events_before: Sequence[ConcernEvent] = (),
    audit_before: Sequence = (),
    reference_token: str | None = None,
    decision_id: int | None = None,
) -> RoutingDecision:
    """Route a concern just submitted (never routed before) and start its clocks.

    Called inside the submit transaction. Evaluates the routing rules (most specific first),
    creates the assignments, starts the acknowledge and respond clocks in England working days,
    records a ROUTED event whose reason says why it went to them, and queues the notifications.
    Never raises because no rule matches. ``standard_ids``: the standards the submission breached,
    so they are not read back; ``events_before``: the unsaved SUBMITTED event, stored with ROUTED;
    ``audit_before``: the submission's unsaved audit event, stored with the decision's;
    ``reference_token``: the reference generation the submission's checks read at;
    ``decision_id``: the id taken for its decision with ``decision_id_later``, if one was.
    """
    # The clock first: each assignment then reads its queue keys from it as it is stored, rather
    # than the clock's trigger rewriting the new assignments (liaison.routing.queue_keys).
    clock_start(concern=concern, started_on=timezone.localdate(concern.submitted_at), first=True)
    return route_concern(
        concern=concern,
        actor=actor,
        first=True,
        standard_ids=standard_ids,
        events_before=events_before,
        audit_before=audit_before,
        reference_token=reference_token,
        decision_id=decision_id,
    )


# --- Routing rules: administrators edit them, every version is kept ---------------------------------

RULE_FIELDS = (
    "about_organisation",
    "specialty",
    "standard",
    "aspect_of_care",
    "place",
    "recipient_organisation",
    "recipient_role",
    "recipient_contact",
    "description",
)


class RuleError(ValueError):
    """A routing rule that cannot be saved as it stands; ``errors`` says which field and why."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _rule_snapshot(rule: RoutingRule) -> dict:
    snapshot = {}
    for name in RULE_FIELDS:
        value = getattr(rule, name)
        snapshot[name] = str(value) if isinstance(value, django_models.Model) else (value or "")
    snapshot["retired"] = rule.retired_at is not None
    return snapshot


def _rule_check(rule: RoutingRule) -> None:
    errors = {}
    has_role = bool(rule.recipient_organisation_id or rule.recipient_role)
    if rule.recipient_contact_id and has_role:
        errors["recipient_contact"] = "Choose a named contact or a role at an organisation, not both"
    elif not rule.recipient_contact_id and not (rule.recipient_organisation_id and rule.recipient_role):
        if rule.recipient_organisation_id:
            errors["recipient_role"] = "Choose the role at the organisation who should receive these concerns"
        elif rule.recipient_role:
            errors["recipient_organisation"] = "Choose the organisation whose members receive these concerns"
        else:
            errors["recipient_organisation"] = (
                "Choose who receives these concerns: a role at an organisation, or a named contact"
            )
    icb_id = rule.icb_id
    about = rule.about_organisation
    if about is not None and icb_id not in (about.icb_id, about.pk):
        errors["about_organisation"] = "Choose an organisation in your ICB"
    if rule.place_id and rule.place.icb_id != icb_id:
        errors["place"] = "Choose a Place in your ICB"
    if errors:
        raise RuleError(errors)


def _rule_history(rule: RoutingRule, *, kind: str, actor, before: dict | None) -> None:
    from liaison.routing.models import RoutingRuleChange

    after = _rule_snapshot(rule)
    changes = {
        key: [(before or {}).get(key), value]
        for key, value in after.items()
        if (before or {}).get(key) != value
    }
    RoutingRuleChange.objects.create(
        rule=rule, version=rule.version, kind=kind, changed_by=actor, snapshot=after, changes=changes
    )
    action = {"created": AuditAction.CREATE, "changed": AuditAction.UPDATE, "retired": AuditAction.DELETE}[
        kind
    ]
    audit_record(action=action, actor=actor, obj=rule, organisation=rule.icb, changes=changes)


@transaction.atomic
def routing_rule_create(*, icb: Organisation, actor, **values) -> RoutingRule:
    """Add a routing rule for ``icb``. The caller checks ``routing.manage_rules`` first."""
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"routing_rule_create cannot set {sorted(unknown)}")
    rule = RoutingRule(icb=icb, **values)
    _rule_check(rule)
    rule.save()
    _rule_history(rule, kind="created", actor=actor, before=None)
    return rule


@transaction.atomic
def routing_rule_update(*, rule: RoutingRule, actor, **values) -> RoutingRule:
    """Change a routing rule. Its version goes up by one and the old version stays in its history."""
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"routing_rule_update cannot set {sorted(unknown)}")
    if rule.retired_at is not None:
        raise RuleError({"rule": "This rule has been retired: add a new rule instead"})
    before = _rule_snapshot(rule)
    for name, value in values.items():
        setattr(rule, name, value)
    _rule_check(rule)
    if _rule_snapshot(rule) == before:
        return rule
    rule.version += 1
    rule.save()
    _rule_history(rule, kind="changed", actor=actor, before=before)
    return rule


@transaction.atomic
def routing_rule_retire(*, rule: RoutingRule, actor) -> RoutingRule:
    """Stop using a rule. It is kept, with its history, because past decisions name it."""
    if rule.retired_at is not None:
        return rule
    before = _rule_snapshot(rule)
    rule.retired_at = timezone.now()
    rule.version += 1
    rule.save()
    _rule_history(rule, kind="retired", actor=actor, before=before)
    return rule


# --- Workflow: status, outcome, redirect, reopen, rating, merge ------------------------------------


class WorkflowError(ValueError):
    """A change the workflow refuses, with the field it is about and a message saying what to do."""

    def __init__(self, message: str, field: str = "__all__"):
        super().__init__(message)
        self.field = field
        self.message = message


# From each status, the statuses a responder may move the concern to. Reopening (by the reporter)
# and redirecting have their own functions; "closed" needs an outcome first.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    ConcernStatus.NEW: frozenset({ConcernStatus.ACKNOWLEDGED}),
    ConcernStatus.ACKNOWLEDGED: frozenset({ConcernStatus.INVESTIGATING, ConcernStatus.RESPONDED}),
    ConcernStatus.INVESTIGATING: frozenset({ConcernStatus.ACTION_AGREED, ConcernStatus.RESPONDED}),
    ConcernStatus.ACTION_AGREED: frozenset({ConcernStatus.INVESTIGATING, ConcernStatus.RESPONDED}),
    ConcernStatus.RESPONDED: frozenset({ConcernStatus.INVESTIGATING, ConcernStatus.CLOSED}),
    ConcernStatus.CLOSED: frozenset(),
}
RESPONDER_OUTCOMES = (ConcernOutcome.UPHELD, ConcernOutcome.PARTLY_UPHELD, ConcernOutcome.NOT_UPHELD)
REASON_MAX = 500

STATUS_NOTIFICATION = {
    ConcernStatus.ACKNOWLEDGED: "concern_acknowledged",
    ConcernStatus.RESPONDED: "concern_responded",
    ConcernStatus.CLOSED: "concern_closed",
}


def allowed_next_statuses(concern: Concern) -> list[str]:
    """The statuses a responder may choose next, in workflow order."""
    allowed = ALLOWED_TRANSITIONS.get(concern.status, frozenset())
    return [status for status in ConcernStatus.values if status in allowed]


def check_free_text(label: str, text: str, *, field: str, confirmed: bool = False) -> str:
    """Refuse text holding patient-identifiable data (the PID guard); warnings need ``confirmed``."""
    text = (text or "").strip()
    result = scan_text(text)
    if result.clean:
        return text
    log_detections(field, result)
    findings = result.blocks or ([] if confirmed else result.warnings)
    if findings:
        raise WorkflowError(f"{label}: {findings[0].message}", field=field)
    return text


def _reason(text: str, *, required: bool, label: str = "Reason", field: str = "reason") -> str:
    text = (text or "").strip()
    if required and not text:
        raise WorkflowError(f"Enter the {label.lower()}", field=field)
    if len(text) > REASON_MAX:
        raise WorkflowError(f"{label} must be {REASON_MAX} characters or fewer", field=field)
    return check_free_text(label, text, field=field)


def _event(concern, *, kind, membership=None, actor=None, from_status="", to_status="", reason="", now=None):
    return ConcernEvent.objects.create(
        concern=concern,
        kind=kind,
        actor=actor if actor is not None else getattr(membership, "user", None),
        organisation=getattr(membership, "organisation", None),
        from_status=from_status,
        to_status=to_status,
        reason=reason[:REASON_MAX],
        occurred_at=now or timezone.now(),
    )


def _audit(concern, *, membership=None, actor=None, changes: dict, request=None):
    audit_record(
        action=AuditAction.UPDATE,
        actor=actor if actor is not None else getattr(membership, "user", None),
        obj=concern,
        organisation=getattr(membership, "organisation", None),
        changes=changes,
        request=request,
    )


def _locked(concern: Concern) -> Concern:
    """The concern row, locked for the rest of the transaction (PostgreSQL), with fresh values."""
    fresh = Concern.objects.select_for_update().get(pk=concern.pk)
    concern.status, concern.outcome = fresh.status, fresh.outcome
    concern.about_organisation_id, concern.about_icb_id = fresh.about_organisation_id, fresh.about_icb_id
    return concern


def reporter_side_users(concern: Concern) -> list:
    """Who hears about progress on the reporting side: the reporter and everyone who said "me too"."""
    users = [concern.reporter]
    users += [occurrence.reported_by for occurrence in concern.occurrences.select_related("reported_by")]
    return _unique(users)


def responder_side_users(concern: Concern) -> tuple[list, list[str]]:
    users, emails = [], []
    for assignment in concern.assignments.active().select_related("user", "contact"):
        more_users, more_emails = assignment_recipients(assignment)
        users += more_users
        emails += more_emails
    return _unique(users), _unique(emails)


def _clock(concern: Concern) -> ConcernClock | None:
    return ConcernClock.objects.filter(concern=concern).first()


@transaction.atomic
def concern_change_status(
    *, membership, concern: Concern, to_status: str, reason: str = "", request=None
) -> Concern:
    """Move the concern along the workflow (see ``ALLOWED_TRANSITIONS``); the caller checks
    ``routing.respond``. Closing needs an outcome recorded first."""
    concern = _locked(concern)
    from_status = concern.status
    if to_status not in ConcernStatus.values:
        raise WorkflowError("Choose a status from the list", field="to_status")
    if to_status not in ALLOWED_TRANSITIONS[from_status]:
        raise WorkflowError(
            f"A concern that is {ConcernStatus(from_status).label.lower()} cannot be moved to "
            f"{ConcernStatus(to_status).label.lower()}",
            field="to_status",
        )
    if to_status == ConcernStatus.CLOSED and not concern.outcome:
        raise WorkflowError("Record the outcome before closing the concern", field="to_status")
    reason = _reason(reason, required=False)
    now = timezone.now()
    concern.status = to_status
    concern.save(update_fields=["status"])
    clock = _clock(concern)
    if clock is not None:
        if to_status != ConcernStatus.NEW and clock.acknowledged_at is None:
            clock.acknowledged_at = now
        if to_status in (ConcernStatus.RESPONDED, ConcernStatus.CLOSED) and clock.responded_at is None:
            clock.responded_at = now
        if to_status == ConcernStatus.CLOSED:
            clock.stopped_at = now
        clock.overdue_since = None  # run_clocks marks it again if another clock has run out
        clock.save()
    _event(
        concern,
        kind=ConcernEventKind.STATUS_CHANGED,
        membership=membership,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        now=now,
    )
    _audit(concern, membership=membership, changes={"status": [from_status, to_status]}, request=request)
    _notify(
        kind=STATUS_NOTIFICATION.get(to_status, "concern_status_changed"),
        concern=concern,
        users=reporter_side_users(concern),
        actor=membership.user,
    )
    return concern


@transaction.atomic
def concern_assign_to_me(*, membership, concern: Concern, request=None) -> Assignment:
    """A responder takes the concern: it appears under "Assigned to me". Others at the organisation
    keep it in "My organisation"; taking it twice changes nothing."""
    concern = _locked(concern)
    if concern.status == ConcernStatus.CLOSED:
        raise WorkflowError("This concern is closed")
    existing = concern.assignments.active().filter(user=membership.user).first()
    if existing is not None:
        return existing
    now = timezone.now()
    assignment = Assignment.objects.create(
        concern=concern,
        organisation=membership.organisation,
        user=membership.user,
        specialty_id=concern.specialty_id,
        created_at=now,
    )
    _event(
        concern,
        kind=ConcernEventKind.ASSIGNED,
        membership=membership,
        reason=f"Taken on by {membership.user.display_name}, {membership.organisation.display_name}",
        now=now,
    )
    _audit(
        concern,
        membership=membership,
        changes={"assigned_to": [None, membership.user.username]},
        request=request,
    )
    return assignment


def concern_acknowledge(*, membership, concern: Concern, request=None) -> Concern:
    """Acknowledge a new concern: stops the acknowledge clock."""
    return concern_change_status(
        membership=membership, concern=concern, to_status=ConcernStatus.ACKNOWLEDGED, request=request
    )


@transaction.atomic
def concern_record_outcome(
    *, membership, concern: Concern, outcome: str, reason: str = "", request=None
) -> Concern:
    """Record the outcome (upheld, partly upheld, not upheld), separately from the status."""
    concern = _locked(concern)
    if concern.status == ConcernStatus.CLOSED:
        raise WorkflowError("This concern is closed: the reporter can reopen it", field="outcome")
    if outcome not in RESPONDER_OUTCOMES:
        raise WorkflowError("Choose upheld, partly upheld or not upheld", field="outcome")
    reason = _reason(reason, required=False)
    before = concern.outcome
    concern.outcome = outcome
    concern.save(update_fields=["outcome"])
    _event(
        concern,
        kind=ConcernEventKind.OUTCOME_RECORDED,
        membership=membership,
        to_status=concern.status,
        from_status=concern.status,
        reason=f"Outcome: {ConcernOutcome(outcome).label}." + (f" {reason}" if reason else ""),
    )
    _audit(concern, membership=membership, changes={"outcome": [before, outcome]}, request=request)
    return concern


@transaction.atomic
def concern_redirect(
    *, membership, concern: Concern, to_organisation: Organisation, reason: str, specialty=None, request=None
) -> RoutingDecision:
    """ "Not ours": pass the concern to another organisation (and service) with a reason.

    The concern becomes new again about ``to_organisation``, routing runs again, its clocks
    restart, and the reporter is told. The caller checks ``routing.respond``.
    """
    concern = _locked(concern)
    if concern.status == ConcernStatus.CLOSED:
        raise WorkflowError("A closed concern cannot be redirected", field="to_organisation")
    reason = _reason(reason, required=True, label="Why it is not yours")
    if to_organisation is None:
        raise WorkflowError("Choose the organisation to pass the concern to", field="to_organisation")
    if to_organisation.pk == concern.about_organisation_id and (
        specialty is None or specialty.pk == concern.specialty_id
    ):
        raise WorkflowError(
            "The concern is already about that organisation: choose another organisation or service",
            field="to_organisation",
        )
    now = timezone.now()
    from_organisation = concern.about_organisation
    from_status = concern.status
    concern.about_organisation = to_organisation
    concern.about_icb = (
        to_organisation if to_organisation.org_type == OrganisationType.ICB else to_organisation.icb
    )
    if specialty is not None:
        concern.specialty = specialty
    concern.status = ConcernStatus.NEW
    concern.save(update_fields=["about_organisation", "about_icb", "specialty", "status"])
    text = f"Passed from {from_organisation.display_name} to {to_organisation.display_name}. Not ours because: {reason}"
    _event(
        concern,
        kind=ConcernEventKind.REDIRECTED,
        membership=membership,
        from_status=from_status,
        to_status=ConcernStatus.NEW,
        reason=text,
        now=now,
    )
    _audit(
        concern,
        membership=membership,
        changes={
            "about_organisation": [from_organisation.ods_code, to_organisation.ods_code],
            "status": [from_status, ConcernStatus.NEW],
        },
        request=request,
    )
    decision = route_concern(
        concern=concern,
        actor=membership.user,
        reason_prefix=f"Redirected by {from_organisation.display_name}.",
    )
    clock_start(concern=concern)
    _notify(
        kind="concern_redirected", concern=concern, users=reporter_side_users(concern), actor=membership.user
    )
    return decision


def _last_status_change(concern: Concern, statuses) -> ConcernEvent | None:
    return (
        ConcernEvent.objects.filter(
            concern=concern, kind=ConcernEventKind.STATUS_CHANGED, to_status__in=statuses
        )
        .order_by("-occurred_at", "-id")
        .first()
    )


def reopen_deadline(concern: Concern):
    """The last moment the reporter may reopen the concern, or None when it cannot be reopened."""
    if concern.status not in (ConcernStatus.RESPONDED, ConcernStatus.CLOSED):
        return None
    event = _last_status_change(concern, [ConcernStatus.RESPONDED, ConcernStatus.CLOSED])
    if event is None:
        return None
    days = clock_settings_for(concern.about_icb).reopen_days
    return event.occurred_at + timedelta(days=days)


@transaction.atomic
def concern_reopen(*, membership, concern: Concern, reason: str, request=None) -> Concern:
    """The reporter's organisation reopens a responded or closed concern within 28 days (per ICB).

    It goes back to investigating, the outcome is cleared and the respond clock starts again.
    """
    concern = _locked(concern)
    if membership.organisation_id != concern.reporter_organisation_id:
        raise WorkflowError("Only the organisation that reported the concern can reopen it")
    deadline = reopen_deadline(concern)
    if deadline is None:
        raise WorkflowError("Only a concern that has been responded to or closed can be reopened")
    if timezone.now() > deadline:
        raise WorkflowError(
            f"This concern can no longer be reopened: the last day was {deadline:%-d %B %Y}. Report it again instead."
        )
    reason = _reason(reason, required=True, label="Why you are reopening it")
    from_status, outcome = concern.status, concern.outcome
    concern.status, concern.outcome = ConcernStatus.INVESTIGATING, ""
    concern.save(update_fields=["status", "outcome"])
    clock = _clock(concern) or clock_start(concern=concern)
    policy = clock_settings_for(concern.about_icb)
    clock.cycle += 1
    clock.respond_due = add_working_days(timezone.localdate(), policy.respond_days)
    clock.acknowledged_at = clock.acknowledged_at or timezone.now()
    clock.responded_at = clock.stopped_at = clock.overdue_since = None
    clock.save()
    _event(
        concern,
        kind=ConcernEventKind.REOPENED,
        membership=membership,
        from_status=from_status,
        to_status=ConcernStatus.INVESTIGATING,
        reason=reason,
    )
    _audit(
        concern,
        membership=membership,
        changes={"status": [from_status, ConcernStatus.INVESTIGATING], "outcome": [outcome, ""]},
        request=request,
    )
    users, emails = responder_side_users(concern)
    _notify(kind="concern_reopened", concern=concern, users=users, emails=emails, actor=membership.user)
    return concern


@transaction.atomic
def concern_rate(*, membership, concern: Concern, score: int, request=None) -> Rating:
    """The reporter's organisation rates the response (1 very poor … 5 very good), once per response."""
    concern = _locked(concern)
    if membership.organisation_id != concern.reporter_organisation_id:
        raise WorkflowError("Only the organisation that reported the concern can rate the response")
    if concern.status not in (ConcernStatus.RESPONDED, ConcernStatus.CLOSED):
        raise WorkflowError("You can rate the response once the concern has been responded to")
    try:
        score = ResponseRating(int(score))
    except (TypeError, ValueError):
        raise WorkflowError("Choose a rating from very poor to very good", field="score") from None
    clock = _clock(concern)
    cycle = clock.cycle if clock else 1
    if Rating.objects.filter(concern=concern, cycle=cycle).exists():
        raise WorkflowError("The response has already been rated", field="score")
    rating = Rating.objects.create(
        concern=concern, cycle=cycle, rated_by=membership.user, score=score, rated_at=timezone.now()
    )
    _event(
        concern,
        kind=ConcernEventKind.RATED,
        membership=membership,
        reason=f"Rated {int(score)} out of 5: {score.label}",
    )
    _audit(concern, membership=membership, changes={"rating": [None, int(score)]}, request=request)
    return rating


@transaction.atomic
def concern_merge(
    *, membership, duplicate: Concern, into: Concern, reason: str = "", request=None
) -> Concern:
    """Merge ``duplicate`` into ``into``: every occurrence moves across, the duplicate closes as a duplicate.

    A person who reported both on the same day already has that occurrence on ``into``, so theirs
    is the one kept. The caller checks ``routing.respond`` on both concerns.
    """
    if duplicate.pk == into.pk:
        raise WorkflowError("Choose a different concern to merge into", field="into")
    duplicate, into = _locked(duplicate), _locked(into)
    if duplicate.status == ConcernStatus.CLOSED or into.status == ConcernStatus.CLOSED:
        raise WorkflowError("Closed concerns cannot be merged", field="into")
    reason = _reason(reason, required=False)
    existing = set(into.occurrences.values_list("reported_by_id", "event_date"))
    moving = list(duplicate.occurrences.all())
    moved = 0
    for occurrence in moving:
        if (occurrence.reported_by_id, occurrence.event_date) in existing:
            continue
        occurrence.concern = into
        occurrence.is_original = False
        occurrence.save(update_fields=["concern", "is_original"])
        existing.add((occurrence.reported_by_id, occurrence.event_date))
        moved += 1
    now = timezone.now()
    from_status = duplicate.status
    duplicate.status, duplicate.outcome = ConcernStatus.CLOSED, ConcernOutcome.DUPLICATE
    duplicate.save(update_fields=["status", "outcome"])
    clock = _clock(duplicate)
    if clock is not None:
        clock.stopped_at = now
        clock.save(update_fields=["stopped_at"])
    duplicate.assignments.active().update(ended_at=now)
    suffix = f" {reason}" if reason else ""
    _event(
        duplicate,
        kind=ConcernEventKind.MERGED,
        membership=membership,
        from_status=from_status,
        to_status=ConcernStatus.CLOSED,
        reason=f"Merged into {into.reference} as a duplicate.{suffix}",
        now=now,
    )
    _event(
        into,
        kind=ConcernEventKind.MERGED,
        membership=membership,
        from_status=into.status,
        to_status=into.status,
        reason=f"{duplicate.reference} merged into this concern: {moved} occurrence(s) moved across.{suffix}",
        now=now,
    )
    _audit(
        duplicate,
        membership=membership,
        changes={
            "status": [from_status, ConcernStatus.CLOSED],
            "outcome": ["", ConcernOutcome.DUPLICATE],
            "merged_into": [None, into.reference],
        },
        request=request,
    )
    _notify(
        kind="concern_merged", concern=duplicate, users=reporter_side_users(duplicate), actor=membership.user
    )
    return into


# --- The thread and response templates ---------------------------------------------------------------

MESSAGE_MAX = 5000


@transaction.atomic
def thread_post(
    *, membership, concern: Concern, body: str, internal: bool = False, confirmed: bool = False, request=None
) -> ThreadMessage:
    """Post a message in the concern's thread, or an internal note for the responding organisation.

    The caller decides who may post (``routing.respond`` for responders, the reporting organisation
    for messages); only responders may add internal notes. The text passes the PID guard.
    """
    label = "Note" if internal else "Message"
    body = (body or "").strip()
    if not body:
        raise WorkflowError(f"Enter your {label.lower()}", field="body")
    if len(body) > MESSAGE_MAX:
        raise WorkflowError(f"{label} must be {MESSAGE_MAX:,} characters or fewer", field="body")
    body = check_free_text(label, body, field="body", confirmed=confirmed)
    now = timezone.now()
    message = ThreadMessage.objects.create(
        concern=concern,
        author=membership.user,
        organisation=membership.organisation,
        body=body,
        is_internal=internal,
        created_at=now,
    )
    _event(
        concern,
        kind=ConcernEventKind.NOTE_ADDED if internal else ConcernEventKind.MESSAGE_POSTED,
        membership=membership,
        reason=f"{label} from {membership.organisation.display_name}",
        now=now,
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=membership.user,
        obj=message,
        organisation=membership.organisation,
        request=request,
        object_repr=f"{label} on {concern.reference}",
    )
    if not internal:
        if membership.organisation_id == concern.reporter_organisation_id:
            users, emails = responder_side_users(concern)
        else:
            users, emails = reporter_side_users(concern), []
        _notify(kind="reply_posted", concern=concern, users=users, emails=emails, actor=membership.user)
    return message


@transaction.atomic
def response_template_save(
    *, membership, title: str, body: str, template: ResponseTemplate | None = None, request=None
) -> ResponseTemplate:
    """Add or change one of the organisation's response templates. The text passes the PID guard."""
    title = (title or "").strip()
    if not title:
        raise WorkflowError("Enter a title for the template", field="title")
    if len(title) > 120:
        raise WorkflowError("Title must be 120 characters or fewer", field="title")
    body = (body or "").strip()
    if not body:
        raise WorkflowError("Enter the text of the template", field="body")
    body = check_free_text("Template", body, field="body")
    if template is None:
        template = ResponseTemplate(organisation=membership.organisation)
        before = {}
    else:
        before = {"title": template.title, "body": template.body}
    template.title, template.body = title, body
    template.save()
    audit_record(
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        actor=membership.user,
        obj=template,
        organisation=membership.organisation,
        request=request,
        changes={
            key: [before.get(key), value]
            for key, value in {"title": title, "body": body}.items()
            if before.get(key) != value
        },
    )
    return template


# --- run_clocks: overdue and the escalation ladder ---------------------------------------------------


@dataclass
class Rung:
    rung: EscalationRung
    organisation: Organisation | None
    users: list = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


def _contacts(organisation: Organisation | None, role: str, specialty_id: int | None = None) -> list[Contact]:
    if organisation is None:
        return []
    contacts = Contact.objects.filter(organisation=organisation, role=role, is_active=True).select_related(
        "user", "service"
    )
    if specialty_id is not None and role == ContactRole.SERVICE_LEAD:
        for_service = [
            contact
            for contact in contacts
            if contact.service and contact.service.specialty_id == specialty_id
        ]
        if for_service:
            return for_service
    if role == ContactRole.SERVICE_LEAD:
        return [contact for contact in contacts if contact.service_id is None]
    return list(contacts)


def _members(organisation: Organisation | None, role: str) -> list:
    if organisation is None:
        return []
    return [
        membership.user
        for membership in Membership.objects.active()
        .filter(organisation=organisation, role=role, user__is_active=True)
        .select_related("user")
    ]


def escalation_rung(concern: Concern, rung: EscalationRung) -> Rung:
    """Who is at this step of the ladder for this concern. See docs/routing.md.

    1. Service lead: who's-who service leads at the organisation the concern is about (its trust,
       for a trust site) for the concern's specialty; without one, its service leads not tied to a
       service.
    2. Trust interface lead: members with the interface lead role there, and its who's-who
       interface leads.
    3. Medical director: its who's-who medical director.
    4. ICB quality lead: the who's-who quality lead at the concern's ICB; without one, the ICB
       interface team (ICB analysts).
    """
    organisation = _organisation_for_defaults(concern.about_organisation)
    users: list = []
    contacts: list[Contact] = []
    if rung == EscalationRung.SERVICE_LEAD:
        contacts = _contacts(organisation, ContactRole.SERVICE_LEAD, concern.specialty_id)
    elif rung == EscalationRung.TRUST_INTERFACE_LEAD:
        users = _members(organisation, Role.INTERFACE_LEAD)
        contacts = _contacts(organisation, ContactRole.INTERFACE_LEAD)
    elif rung == EscalationRung.MEDICAL_DIRECTOR:
        contacts = _contacts(organisation, ContactRole.MEDICAL_DIRECTOR)
    else:
        organisation = concern.about_icb
        contacts = _contacts(organisation, ContactRole.QUALITY_LEAD)
        if not contacts:
            users = _members(organisation, Role.ICB_ANALYST)
    names = [
        f"{user.display_name} ({Role(Role.INTERFACE_LEAD if rung == 2 else Role.ICB_ANALYST).label})"
        for user in users
    ]
    for contact in contacts:
        names.append(f"{contact.name} ({contact.get_role_display()})")
        if contact.user_id:
            users.append(contact.user)
    emails = [contact.email for contact in contacts if not contact.user_id and contact.email]
    return Rung(
        rung=rung,
        organisation=organisation,
        users=_unique(users),
        emails=_unique(emails),
        names=_unique(names),
    )


@dataclass
class ClockRunReport:
    checked: int = 0
    marked_overdue: int = 0
    escalations: int = 0
    found_nobody: int = 0

    def summary(self) -> str:
        return (
            f"Checked {self.checked} concerns: {self.marked_overdue} newly overdue, "
            f"{self.escalations} escalations ({self.found_nobody} steps with nobody named)"
        )


def _running_clock(clock: ConcernClock, today: date) -> tuple[str, date] | None:
    """The clock that has run out (acknowledge first), with its due date; None if none has."""
    if clock.acknowledged_at is None and working_days_between(clock.acknowledge_due, today) >= 1:
        return ClockKind.ACKNOWLEDGE, clock.acknowledge_due
    if clock.responded_at is None and working_days_between(clock.respond_due, today) >= 1:
        return ClockKind.RESPOND, clock.respond_due
    return None


def _escalate(concern: Concern, clock: ConcernClock, kind: str, rung: EscalationRung, now, report) -> bool:
    """Record one step up the ladder and tell them; False if it was already done."""
    if Escalation.objects.filter(concern=concern, cycle=clock.cycle, clock=kind, rung=rung).exists():
        return False
    found = escalation_rung(concern, rung)
    nobody = not (found.users or found.emails)
    try:
        with transaction.atomic():
            Escalation.objects.create(
                concern=concern,
                cycle=clock.cycle,
                clock=kind,
                rung=rung,
                escalated_at=now,
                recipients=found.names,
                found_nobody=nobody,
            )
    except IntegrityError:  # Another run got there first.
        return False
    what = "acknowledged" if kind == ClockKind.ACKNOWLEDGE else "responded to"
    where = found.organisation.display_name if found.organisation else "the ICB"
    if nobody:
        reason = (
            f"Not {what} in time. Escalation step {int(rung)} ({rung.label}): nobody is named for "
            f"{where}, so it goes straight on to the next step."
        )
        report.found_nobody += 1
    else:
        reason = f"Not {what} in time. Escalated to the {rung.label.lower().replace('icb', 'ICB')} at {where}: {', '.join(found.names)}."
    ConcernEvent.objects.create(
        concern=concern,
        kind=ConcernEventKind.ESCALATED,
        organisation=found.organisation,
        reason=reason[:REASON_MAX],
        occurred_at=now,
    )
    _notify(
        kind="concern_escalated",
        concern=concern,
        users=found.users,
        emails=found.emails,
        key=f"escalation:{concern.pk}:{clock.cycle}:{kind}:{int(rung)}",
    )
    report.escalations += 1
    return True


def _clock_check(clock: ConcernClock, today: date, now, report: ClockRunReport) -> None:
    concern = clock.concern
    running = _running_clock(clock, today)
    if running is None:
        return
    kind, due = running
    policy = clock_settings_for(concern.about_icb)
    if clock.overdue_since is None:
        clock.overdue_since = today
        clock.save(update_fields=["overdue_since"])
        what = "acknowledged" if kind == ClockKind.ACKNOWLEDGE else "responded to"
        ConcernEvent.objects.create(
            concern=concern,
            kind=ConcernEventKind.OVERDUE,
            from_status=concern.status,
            to_status=concern.status,
            reason=f"Not {what} by {due:%-d %B %Y} ({kind} clock).",
            occurred_at=now,
        )
        users, emails = responder_side_users(concern)
        _notify(
            kind="concern_overdue",
            concern=concern,
            users=users,
            emails=emails,
            key=f"overdue:{concern.pk}:{clock.cycle}:{kind}",
        )
        report.marked_overdue += 1
    late = working_days_between(due, today)
    # Step 1 on the first working day late, then one step every ``escalation_step_days``. A step
    # with nobody named passes straight on to the next, so the ladder never stops at an empty rung.
    reached = min(len(EscalationRung), 1 + (late - 1) // max(policy.escalation_step_days, 1))
    for rung in EscalationRung:
        if rung > reached:
            break
        _escalate(concern, clock, kind, rung, now, report)
        done = Escalation.objects.get(concern=concern, cycle=clock.cycle, clock=kind, rung=rung)
        if done.found_nobody and rung == reached and reached < len(EscalationRung):
            reached += 1


def clocks_run(*, today: date | None = None) -> ClockRunReport:
    """Mark concerns whose clock has run out as overdue and escalate them up the ladder.

    Idempotent: each concern is marked overdue once per clock cycle and each rung is escalated
    once (a unique row per concern, cycle, clock and rung), so running it twice changes nothing.
    Each concern is handled in its own transaction, so one failure does not undo the others.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    report = ClockRunReport()
    due = ConcernClock.objects.filter(stopped_at__isnull=True, concern__status__in=OPEN_STATUSES).filter(
        Q(acknowledged_at__isnull=True, acknowledge_due__lt=today)
        | Q(responded_at__isnull=True, respond_due__lt=today)
    )
    for clock_id in due.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            clock = (
                ConcernClock.objects.select_for_update(of=("self",))
                .select_related("concern__about_organisation__parent", "concern__about_icb")
                .get(pk=clock_id)
            )
            report.checked += 1
            _clock_check(clock, today, now, report)
    return report


# --- Clock policy -----------------------------------------------------------------------------------


@transaction.atomic
def clock_policy_save(
    *,
    icb: Organisation,
    actor,
    acknowledge_days: int,
    respond_days: int,
    escalation_step_days: int,
    reopen_days: int,
    request=None,
) -> ClockPolicy:
    """Set an ICB's response times. They apply to clocks started from now on; running clocks keep theirs."""
    if respond_days < acknowledge_days:
        raise WorkflowError(
            "The time to respond must be at least the time to acknowledge", field="respond_days"
        )
    policy = ClockPolicy.objects.filter(icb=icb).first() or ClockPolicy(icb=icb)
    before = (
        {
            name: getattr(policy, name)
            for name in ("acknowledge_days", "respond_days", "escalation_step_days", "reopen_days")
        }
        if policy.pk
        else {}
    )
    after = {
        "acknowledge_days": acknowledge_days,
        "respond_days": respond_days,
        "escalation_step_days": escalation_step_days,
        "reopen_days": reopen_days,
    }
    for name, value in after.items():
        setattr(policy, name, value)
    policy.updated_by = actor
    policy.save()
    audit_record(
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        actor=actor,
        obj=policy,
        organisation=icb,
        request=request,
        changes={key: [before.get(key), value] for key, value in after.items() if before.get(key) != value},
    )
    return policy
