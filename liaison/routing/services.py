"""Every write in routing and response: routing a concern, its clocks, the workflow and the thread.

Each function that changes a concern writes, in one transaction, the change itself, a
``ConcernEvent`` (who, when, from → to, why), an audit event and the notifications to send.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db import models as django_models
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from liaison.accounts.models import Membership, Role
from liaison.audit.models import AuditAction
from liaison.audit.services import audit_record
from liaison.concerns.models import Concern, ConcernEvent, ConcernEventKind
from liaison.directory.models import Contact, ContactRole, Organisation, OrganisationType
from liaison.routing.clocks import add_working_days
from liaison.routing.models import (
    Assignment,
    ClockPolicy,
    ConcernClock,
    RoutingDecision,
    RoutingRule,
)

# --- Notifications: the one place routing hands work to the outbox --------------------------------


def _notify(*, kind: str, concern: Concern, users=(), emails=(), actor=None, key: str | None = None) -> None:
    """Queue a notification about ``concern`` for ``users`` (and addresses of people not on Liaison).

    Only a kind and a link travel: the notifications app never puts free text or patient
    references in an email. Routing calls this and nothing else, so the outbox is one call away.
    """
    try:
        from liaison.notifications.services import notify
    except ImportError:  # The outbox is not installed yet: nothing to queue.
        return
    recipients = [user for user in users if user is not None and user != actor] + list(emails)
    if not recipients:
        return
    notify(kind=kind, recipients=recipients, concern=concern, link_path=case_link(concern), key=key)


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
    """The ICB's clock policy, or the England defaults (acknowledge 2, respond 20 working days)."""
    policy = ClockPolicy.objects.filter(icb=icb).first() if icb is not None else None
    if policy is None:
        return ClockSettings()
    return ClockSettings(
        acknowledge_days=policy.acknowledge_days,
        respond_days=policy.respond_days,
        escalation_step_days=policy.escalation_step_days,
        reopen_days=policy.reopen_days,
    )


def clock_start(*, concern: Concern, started_on: date | None = None) -> ConcernClock:
    """Start (or restart, as a new cycle) the concern's acknowledge and respond clocks."""
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
    clock = ConcernClock.objects.filter(concern=concern).first()
    if clock is None:
        return ConcernClock.objects.create(concern=concern, **due)
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


def concern_facts(concern: Concern) -> ConcernFacts:
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
    return ConcernFacts(
        icb_ids={icb_id for icb_id in (concern.about_icb_id, concern.reporter_icb_id) if icb_id},
        organisation_ids=organisation_ids,
        specialty_id=concern.specialty_id,
        standard_ids=set(concern.standards_breached.values_list("standard_id", flat=True)),
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


RESPONDING_ROLES = (Role.RESPONDER, Role.INTERFACE_LEAD)


def _organisation_for_defaults(about: Organisation) -> Organisation:
    if about.org_type == OrganisationType.TRUST_SITE and about.parent_id:
        return about.parent
    return about


def _default_assignments(concern: Concern) -> tuple[list[dict], str, str]:
    """No rule matched: the organisation's default recipients, with the reason in words.

    1. Responders and interface leads who are members of the about-organisation (its trust for
       a trust site), else
    2. its who's-who interface leads and service leads (for the concern's specialty where named),
       else
    3. the ICB interface team (ICB analysts at the about-organisation's ICB), who pass it on, else
    4. everyone at the about-organisation, so a concern is never left with nobody.
    """
    organisation = _organisation_for_defaults(concern.about_organisation)
    name = organisation.display_name
    roles = list(
        Membership.objects.active()
        .filter(organisation=organisation, role__in=RESPONDING_ROLES, user__is_active=True)
        .values_list("role", flat=True)
        .distinct()
    )
    if roles:
        ordered = [role for role in RESPONDING_ROLES if role in roles]
        return (
            [{"organisation": organisation, "role": role} for role in ordered],
            "organisation_members",
            f"No routing rule matches this concern, so it went to {name}'s default: "
            f"its {' and '.join(Role(role).label.lower() + 's' for role in ordered)} on Liaison.",
        )
    contacts = list(
        Contact.objects.filter(
            organisation=organisation,
            is_active=True,
            role__in=[ContactRole.INTERFACE_LEAD, ContactRole.SERVICE_LEAD],
        )
        .filter(
            Q(role=ContactRole.INTERFACE_LEAD)
            | Q(service__isnull=True)
            | Q(service__specialty_id=concern.specialty_id)
        )
        .select_related("organisation")
    )
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
        )
    icb = concern.about_icb
    if icb is not None:
        return (
            [{"organisation": icb, "role": Role.ICB_ANALYST}],
            "icb_team",
            f"No routing rule matches this concern and {name} has no responders or named contacts, "
            f"so it went to the interface team at {icb.display_name} to pass on.",
        )
    return (
        [{"organisation": organisation, "role": ""}],
        "everyone",
        f"No routing rule matches this concern and {name} has no responders, named contacts or ICB, "
        f"so it went to everyone at {name} on Liaison.",
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


@transaction.atomic
def route_concern(*, concern: Concern, actor=None, reason_prefix: str = "") -> RoutingDecision:
    """Work out who the concern goes to, assign it, and explain why. Never raises for want of a rule.

    Ends any earlier assignments: use it for a new concern and again after a redirect.
    """
    now = timezone.now()
    facts = concern_facts(concern)
    rules = (
        RoutingRule.objects.active()
        .filter(icb_id__in=facts.icb_ids)
        .select_related(
            "about_organisation",
            "specialty",
            "standard",
            "place",
            "recipient_organisation",
            "recipient_contact__organisation",
            "recipient_contact__user",
        )
    )
    winners, matched = rules_winning(rules, facts)
    if winners:
        targets = [_rule_assignment(rule) for rule in winners]
        fallback, explanation = "", _rule_explanation(winners, matched)
    else:
        targets, fallback, explanation = _default_assignments(concern)
    explanation = f"{reason_prefix} {explanation}".strip()

    concern.assignments.filter(ended_at__isnull=True).update(ended_at=now)
    concern.routing_decisions.filter(is_current=True).update(is_current=False)
    decision = RoutingDecision.objects.create(
        concern=concern,
        decided_at=now,
        actor=actor,
        rule_versions={str(rule.pk): rule.version for rule in winners},
        fallback=fallback,
        explanation=explanation,
    )
    decision.rules.set(winners)
    assignments = []
    seen = set()
    for target in targets:
        key = (target["organisation"].pk, target.get("role", ""), getattr(target.get("contact"), "pk", None))
        if key in seen:
            continue
        seen.add(key)
        assignments.append(
            Assignment.objects.create(
                concern=concern,
                decision=decision,
                specialty_id=concern.specialty_id,
                created_at=now,
                **target,
            )
        )
    ConcernEvent.objects.create(
        concern=concern,
        kind=ConcernEventKind.ROUTED,
        actor=actor,
        organisation=assignments[0].organisation,
        reason=explanation[:500],
        occurred_at=now,
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=decision,
        organisation=concern.about_organisation,
        object_repr=f"Routing of {concern.reference}",
        changes={"assigned_to": [None, [assignment.describe() for assignment in assignments]]},
    )
    users, emails = [], []
    for assignment in assignments:
        more_users, more_emails = assignment_recipients(assignment)
        users += more_users
        emails += more_emails
    _notify(
        kind="concern_assigned", concern=concern, users=_unique(users), emails=_unique(emails), actor=actor
    )
    return decision


def _unique(items: list) -> list:
    return list(dict.fromkeys(items))


@transaction.atomic
def route_new_concern(*, concern: Concern, actor) -> RoutingDecision:
    """Route a concern just submitted and start its clocks. Called inside the submit transaction.

    Evaluates the routing rules (most specific first), creates the assignments, starts the
    acknowledge and respond clocks in England working days, records a ROUTED event whose reason
    says why it went to them, and queues the notifications. Never raises because no rule matches.
    """
    decision = route_concern(concern=concern, actor=actor)
    clock_start(concern=concern, started_on=timezone.localdate(concern.submitted_at))
    return decision


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
