"""Every read in routing and response, scoped to what the viewer's membership may see.

Who sees a concern's case page, and as whom:

- **responder**: a responder or interface lead at the organisation the concern is about (or at
  its trust, for a trust site), or at an organisation it is assigned to. Sees the patient
  reference, internal notes and the actions.
- **reporter**: anyone at the reporting organisation. Sees the patient reference and the thread,
  never internal notes.
- **icb**: the ICB interface team (ICB analysts, administrators and interface leads at the ICB
  of either organisation). Sees everything in its ICB except the patient reference and internal notes.

The reporter's name is shown to responders only if the reporter agreed; always to the ICB team
and the reporting organisation.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from liaison.accounts.models import Membership, Role
from liaison.accounts.permissions import is_icb_wide
from liaison.concerns.models import Concern, ConcernEvent
from liaison.directory.models import Organisation, OrganisationType
from liaison.routing.models import (
    Assignment,
    ConcernClock,
    Escalation,
    ResponseTemplate,
    RoutingDecision,
    RoutingRule,
    RoutingRuleChange,
    ThreadMessage,
)

RESPONDER_ROLES = {Role.RESPONDER, Role.INTERFACE_LEAD}
ICB_TEAM_ROLES = {Role.ICB_ANALYST, Role.ADMINISTRATOR, Role.INTERFACE_LEAD}


def is_icb_team(membership: Membership | None) -> bool:
    """The ICB interface team: ICB analysts, administrators and interface leads working at an ICB."""
    return bool(
        membership
        and membership.organisation.org_type == OrganisationType.ICB
        and (membership.role in ICB_TEAM_ROLES or is_icb_wide(membership))
    )


def _responding_organisation_ids(concern: Concern) -> set[int]:
    about = concern.about_organisation
    ids = {about.pk}
    if about.org_type == OrganisationType.TRUST_SITE and about.parent_id:
        ids.add(about.parent_id)
    ids |= set(concern.assignments.active().values_list("organisation_id", flat=True))
    return ids


def viewer_relationship(membership: Membership | None, concern: Concern) -> str | None:
    """ "responder", "reporter", "icb" or None (may not see it at all). Responder wins over reporter."""
    if membership is None or not membership.is_active:
        return None
    organisation_id = membership.organisation_id
    if membership.role in RESPONDER_ROLES and organisation_id in _responding_organisation_ids(concern):
        return "responder"
    if organisation_id == concern.reporter_organisation_id:
        return "reporter"
    if is_icb_team(membership) and organisation_id in (concern.about_icb_id, concern.reporter_icb_id):
        return "icb"
    return None


@dataclass
class Case:
    """A concern as one viewer may see it on the case page."""

    concern: Concern
    relationship: str
    clock: ConcernClock | None
    decision: RoutingDecision | None
    assignments: list[Assignment]
    events: list[ConcernEvent]
    messages: list[ThreadMessage]
    escalations: list[Escalation]
    templates: list[ResponseTemplate]

    @property
    def is_responder(self) -> bool:
        return self.relationship == "responder"

    @property
    def is_reporter(self) -> bool:
        return self.relationship == "reporter"

    @property
    def shows_patient_reference(self) -> bool:
        return self.relationship in {"responder", "reporter"}

    @property
    def shows_reporter_name(self) -> bool:
        return self.relationship != "responder" or self.concern.reporter_may_be_named


def concern_by_reference(reference: str) -> Concern | None:
    pk = Concern.pk_from_reference(reference or "")
    if pk is None:
        return None
    return (
        Concern.objects.select_related(
            "reporter",
            "reporter_organisation",
            "about_organisation",
            "about_icb",
            "reporter_icb",
            "specialty",
        )
        .filter(pk=pk)
        .first()
    )


def case_for(membership: Membership | None, reference: str) -> Case | None:
    """The case page's data for this viewer, or None when they may not see the concern."""
    concern = concern_by_reference(reference)
    if concern is None:
        return None
    relationship = viewer_relationship(membership, concern)
    if relationship is None:
        return None
    messages = ThreadMessage.objects.filter(concern=concern).select_related("author", "organisation")
    if relationship != "responder":
        messages = messages.filter(is_internal=False)
    events = ConcernEvent.objects.filter(concern=concern).select_related("actor", "organisation")
    if relationship != "responder":
        events = events.exclude(kind="note_added")
    templates = []
    if relationship == "responder":
        templates = list(
            ResponseTemplate.objects.filter(organisation=membership.organisation, is_active=True)
        )
    return Case(
        concern=concern,
        relationship=relationship,
        clock=ConcernClock.objects.filter(concern=concern).first(),
        decision=RoutingDecision.objects.filter(concern=concern, is_current=True).first(),
        assignments=list(
            concern.assignments.active().select_related("organisation", "user", "contact__organisation")
        ),
        events=list(events),
        messages=list(messages),
        escalations=list(Escalation.objects.filter(concern=concern)),
        templates=templates,
    )


# --- Routing rules ------------------------------------------------------------------------------


def routing_rules_for(icb: Organisation, *, include_retired: bool = False) -> QuerySet[RoutingRule]:
    """An ICB's routing rules with everything their descriptions need, in one query."""
    rules = RoutingRule.objects.filter(icb=icb).select_related(
        "icb",
        "about_organisation",
        "specialty",
        "standard",
        "place",
        "recipient_organisation",
        "recipient_contact__organisation",
    )
    if not include_retired:
        rules = rules.active()
    return rules.order_by("retired_at", "about_organisation__name", "id")


def routing_rule_in(icb: Organisation, pk) -> RoutingRule | None:
    """One of the ICB's rules, or None (another ICB's rules do not exist for this viewer)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return routing_rules_for(icb, include_retired=True).filter(pk=pk).first()


def routing_rule_history(rule: RoutingRule) -> QuerySet[RoutingRuleChange]:
    return RoutingRuleChange.objects.filter(rule=rule).select_related("changed_by").order_by("-version")


def assignments_by_organisation_exists(organisation_id: int):
    """A subquery: the concern has an active assignment to this organisation."""
    return Exists(
        Assignment.objects.filter(
            concern=OuterRef("pk"), organisation_id=organisation_id, ended_at__isnull=True
        )
    )


def concerns_for_responder(membership: Membership) -> QuerySet[Concern]:
    """Concerns a responder or interface lead may act on: about their organisation or assigned to it."""
    organisation = membership.organisation
    return Concern.objects.filter(
        Q(about_organisation=organisation)
        | Q(about_organisation__parent=organisation, about_organisation__org_type=OrganisationType.TRUST_SITE)
        | assignments_by_organisation_exists(organisation.pk)
    )
