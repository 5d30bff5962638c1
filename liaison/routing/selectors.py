"""Every read in routing and response, scoped to what the viewer's membership may see.

Who sees a concern's case page, and as whom:

- **responder**: a responder or interface lead at the organisation the concern is about (or at
  its trust, for a trust site), or at an organisation it is assigned to. Sees the patient
  reference, internal notes and the actions.
- **reporter**: anyone at the reporting organisation. Sees the patient reference and the thread,
  never internal notes.
- **joined**: an organisation that said "me too". Reads the thread; never the patient reference,
  internal notes or, unless they agreed, the reporter's name.
- **icb**: the ICB interface team (ICB analysts and interface leads at the ICB of either
  organisation; administrators manage people and rules, not concerns). Sees everything in its ICB except the patient reference and internal notes.

The reporter's name is shown to responders only if the reporter agreed; always to the ICB team
and the reporting organisation.
"""

from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    CharField,
    Exists,
    Expression,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.db.models.query import ModelIterable

from liaison.accounts.models import Membership, Role
from liaison.concerns.models import (
    OPEN_STATUSES,
    Concern,
    ConcernEvent,
    ConcernStandard,
    ConcernStatus,
)
from liaison.directory.models import (
    PROVIDER_TYPES,
    Contact,
    Organisation,
    OrganisationService,
    OrganisationType,
    Place,
)
from liaison.routing.models import (
    Assignment,
    ClockPolicy,
    ConcernClock,
    Escalation,
    Rating,
    ResponseTemplate,
    RoutingDecision,
    RoutingRule,
    RoutingRuleChange,
    ThreadMessage,
)

RESPONDER_ROLES = {Role.RESPONDER, Role.INTERFACE_LEAD}
ICB_TEAM_ROLES = {Role.ICB_ANALYST, Role.INTERFACE_LEAD}


def is_icb_team(membership: Membership | None) -> bool:
    """The ICB interface team: ICB analysts, administrators and interface leads working at an ICB."""
    return bool(
        membership
        and membership.organisation.org_type == OrganisationType.ICB
        and membership.role in ICB_TEAM_ROLES
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
    if concern.occurrences.filter(organisation_id=organisation_id).exists():
        return "joined"
    return None


@dataclass
class CaseView:
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
        return self.relationship in {"reporter", "icb"} or self.concern.reporter_may_be_named

    def shows_name_of(self, user_id: int | None, organisation_id: int | None) -> bool:
        """May this viewer see the name of someone who acted on the concern? Not the reporter's,
        nor a colleague's at the reporting organisation, when a responder views and they did not agree."""
        if user_id is None or self.shows_reporter_name:
            return user_id is not None
        concern = self.concern
        return user_id != concern.reporter_id and organisation_id != concern.reporter_organisation_id


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


def case_for(membership: Membership | None, reference: str) -> CaseView | None:
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
    return CaseView(
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


def can_rate(concern: Concern) -> bool:
    """Has the current response been answered and not yet rated?"""
    if concern.status not in ("responded", "closed"):
        return False
    clock = ConcernClock.objects.filter(concern=concern).first()
    cycle = clock.cycle if clock else 1
    return not Rating.objects.filter(concern=concern, cycle=cycle).exists()


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


# --- Queues: the responder's inbox and the ICB view ---------------------------------------------


class StatusInSql(Expression):
    """A concern status written into the SQL as a literal, not sent as a parameter.

    Why: PostgreSQL connections prepare repeated statements (docs/adr/0014) and may then plan a query
    once for whatever values its parameters take. Statuses are skewed (most concerns are closed, few
    are new), so a single plan for every status suits some badly: at national scale, with 85 % of
    concerns closed, the ICB view filtered to new concerns took 11.6 ms on the shared plan against
    3.5 ms on one planned for "new". Written into the SQL, each status is its own statement, planned
    for its own share of the table. Only the fixed ConcernStatus values are accepted.
    """

    output_field = CharField()

    def __init__(self, status: str):
        super().__init__()
        self.status = ConcernStatus(status).value

    def as_sql(self, compiler, connection):
        return f"'{self.status}'", []


class InSubquery(Expression):
    """``column IN (subquery)``, written for PostgreSQL as ``column = ANY(ARRAY(subquery))``.

    Why: PostgreSQL plans ``IN``/``EXISTS`` over an organisation's assignments as a semi-join and,
    expecting thousands of rows, reads every concern in the table (a million at national scale) to
    find them. ``= ANY(ARRAY(…))`` runs the subquery once and looks each id up in the primary key
    instead, whatever the size of the table. Other databases get the plain ``IN``, which is the same
    set of rows.
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, subquery: QuerySet):
        super().__init__()
        self.column = F(column)
        self.subquery = Subquery(subquery)

    def get_source_expressions(self):
        return [self.column, self.subquery]

    def set_source_expressions(self, expressions):
        self.column, self.subquery = expressions

    def _compiled(self, compiler):
        column_sql, column_params = compiler.compile(self.column)
        subquery_sql, subquery_params = compiler.compile(self.subquery)
        return column_sql, subquery_sql, (*column_params, *subquery_params)

    def as_sql(self, compiler, connection):
        column_sql, subquery_sql, params = self._compiled(compiler)
        return f"{column_sql} IN {subquery_sql}", params

    def as_postgresql(self, compiler, connection):
        column_sql, subquery_sql, params = self._compiled(compiler)
        return f"{column_sql} = ANY(ARRAY{subquery_sql})", params


def overdue_only(concerns: QuerySet[Concern]) -> QuerySet[Concern]:
    """The overdue concerns of a queue: the clock's ``queue_overdue`` column, which also puts them
    first in every list (overdue and not stopped)."""
    overdue = concerns.filter(clock__queue_overdue=True)
    if getattr(concerns, "_by_assignment", None) is not None:
        overdue._by_assignment = concerns._by_assignment.filter(queue_overdue=True)
    return overdue


INBOX_SCOPES = {
    "mine": "Assigned to me",
    "service": "My service",
    "organisation": "My organisation",
}


class QueueQuerySet(QuerySet):
    """A queue of concerns in list order that counts and pages from its sort key alone.

    ``count()`` reads the ids of the whole queue in order, once, from indexes only (the active
    assignments, the concerns' primary key and the clock's ``clock_queue_order``); a page (a slice)
    is then those ids' rows, loaded with their organisations and standards. Sorting full rows would
    read every concern in the queue with its organisations (thousands at a large trust) to show
    fifty, and counting and paging would do it twice. Iterating the whole queue (the CSV export)
    loads rows as usual.
    """

    _ordered_ids: list[int] | None = None
    # The same queue as active assignments carrying their concern's queue keys (``queue_keys``), when
    # it is one: then it counts and pages from the ``assignment_queue_by_org`` index alone. Set only
    # by the selectors below, and not carried to a filtered copy (which counts the usual way).
    _by_assignment: QuerySet | None = None

    def _is_plain_queue(self) -> bool:
        return (
            self._result_cache is None and self._iterable_class is ModelIterable and not self.query.is_sliced
        )

    def _assignment_keys(self) -> QuerySet:
        """The queue's concern ids in list order, one each (two assignments of one concern share keys)."""
        return (
            self._by_assignment.order_by(
                "-queue_overdue", F("queue_due_on").asc(nulls_last=True), "queue_submitted_at", "concern_id"
            )
            .values_list("concern_id", flat=True)
            .distinct()
        )

    def ordered_ids(self) -> list[int]:
        """Every id in the queue, in list order (read once per queryset)."""
        if self._ordered_ids is None:
            if self._by_assignment is not None:
                self._ordered_ids = list(self._assignment_keys())
            else:
                self._ordered_ids = list(self.values_list("pk", flat=True))
        return self._ordered_ids

    def count(self) -> int:
        if self._is_plain_queue():
            if self._by_assignment is not None and self._ordered_ids is None:
                return self._by_assignment.order_by().values("concern_id").distinct().count()
            return len(self.ordered_ids())
        return super().count()

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step is not None or not self._is_plain_queue():
            return super().__getitem__(key)
        if self._by_assignment is not None and self._ordered_ids is None:
            page_ids = list(self._assignment_keys()[key])
        else:
            page_ids = self.ordered_ids()[key]
        if not page_ids:
            return []
        return list(_queue_base(Concern.objects.filter(pk__in=page_ids)))


def _queue_base(concerns: QuerySet[Concern]) -> QuerySet[Concern]:
    """List columns only, overdue first, then the soonest due, then the oldest.

    The sort key comes from the clock's generated columns (``queue_overdue``, ``queue_due_on``),
    read from the ``clock_queue_order`` index; a concern without a clock is not overdue and has no
    due date. The clock and the other related rows are joined only for the page being shown
    (see ``QueueQuerySet``), never for the whole queue.
    """
    queue = QueueQuerySet(model=Concern, query=concerns.query, using=concerns.db)
    return (
        queue.select_related("about_organisation", "reporter_organisation", "specialty", "clock")
        .prefetch_related(Prefetch("standards_breached", queryset=_standards()))
        .annotate(
            is_overdue=Coalesce(F("clock__queue_overdue"), Value(False), output_field=BooleanField()),
            due_on=F("clock__queue_due_on"),
        )
        .order_by("-is_overdue", F("due_on").asc(nulls_last=True), "submitted_at", "id")
    )


def _standards():
    return ConcernStandard.objects.select_related("standard").only(
        "concern_id", "standard__code", "standard__title"
    )


def inbox_for(
    membership: Membership | None, *, scope: str = "organisation", state: str = "open"
) -> QuerySet[Concern]:
    """A responder's inbox: concerns assigned to them, to their service, or to their organisation.

    "My service" is the services the who's who names them for (a contact linked to their user).
    Open concerns by default ("all" for every state); overdue first. The organisation's and the
    person's queues count and page from the assignments' copies of each concern's queue keys
    (``liaison.routing.queue_keys``, ADR 17); "my service" reads through the concerns.
    """
    if membership is None or membership.role not in RESPONDER_ROLES:
        return Concern.objects.none()
    organisation = membership.organisation
    user = membership.user
    active = Assignment.objects.active()
    if scope == "mine":
        my_contacts = Contact.objects.filter(user=user).values("pk")
        assigned = active.filter(Q(user=user) | InSubquery("contact_id", my_contacts))
    else:
        assigned = active.filter(organisation=organisation)
    # Driven from the assignments (an index on the active ones per organisation and per person),
    # never from a scan of every concern.
    concerns = Concern.objects.filter(InSubquery("pk", assigned.order_by().values("concern_id")))
    if scope == "service":
        specialties = OrganisationService.objects.filter(contacts__user=user, organisation=organisation)
        concerns = concerns.filter(specialty_id__in=specialties.values("specialty_id"))
    if state != "all":
        concerns = concerns.filter(status__in=OPEN_STATUSES)
        assigned = assigned.filter(queue_open=True)
    queue = _queue_base(concerns)
    if scope != "service":
        # The same list from the assignments' own copy of each concern's queue keys (queue_keys).
        queue._by_assignment = assigned
    return queue


@dataclass
class IcbFilters:
    place: int | None = None
    provider: str = ""
    standard: str = ""
    state: str = "open"
    overdue: bool = False


def icb_queue(membership: Membership | None, filters: IcbFilters) -> QuerySet[Concern]:
    """Every concern about or from the ICB team's ICB, across providers, filtered."""
    if not is_icb_team(membership):
        return Concern.objects.none()
    icb = membership.organisation
    concerns = Concern.objects.filter(Q(about_icb=icb) | Q(reporter_icb=icb))
    if filters.place:
        concerns = concerns.filter(
            Q(about_organisation__place_id=filters.place) | Q(reporter_organisation__place_id=filters.place)
        )
    if filters.provider:
        concerns = concerns.filter(about_organisation__ods_code=filters.provider)
    if filters.standard:
        # One row per concern: a standard's code is unique, and so is each standard on a concern.
        concerns = concerns.filter(standards_breached__standard__code=filters.standard)
    if filters.state == "open":
        concerns = concerns.filter(status__in=[StatusInSql(status) for status in OPEN_STATUSES])
    elif filters.state in ConcernStatus.values:
        concerns = concerns.filter(status=StatusInSql(filters.state))
    if filters.overdue:
        concerns = overdue_only(concerns)
    return _queue_base(concerns)


@dataclass
class IcbFilterOptions:
    places: list
    providers: list
    standards: list


def icb_filter_options(membership: Membership) -> IcbFilterOptions:
    from liaison.standards.models import Standard

    icb = membership.organisation
    return IcbFilterOptions(
        places=list(Place.objects.filter(icb=icb).order_by("name")),
        providers=list(
            Organisation.objects.filter(
                icb=icb, org_type__in=PROVIDER_TYPES, closed_on__isnull=True
            ).order_by("name")
        ),
        standards=list(Standard.objects.filter(is_active=True).order_by("code")),
    )


# --- Administration: clock policy, templates, rule form choices ---------------------------------


def clock_policy_for(icb: Organisation) -> ClockPolicy | None:
    return ClockPolicy.objects.filter(icb=icb).select_related("updated_by").first()


def response_templates_for(organisation: Organisation) -> QuerySet[ResponseTemplate]:
    return ResponseTemplate.objects.filter(organisation=organisation, is_active=True)


def response_template_in(organisation: Organisation, pk) -> ResponseTemplate | None:
    try:
        return response_templates_for(organisation).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


@dataclass
class RuleFormChoices:
    specialties: list
    standards: list
    places: list
    contacts: list


def rule_form_choices(icb: Organisation) -> RuleFormChoices:
    from liaison.directory.models import Contact, Specialty
    from liaison.standards.models import Standard

    return RuleFormChoices(
        specialties=list(Specialty.objects.order_by("name")),
        standards=list(Standard.objects.filter(is_active=True).order_by("code")),
        places=list(Place.objects.filter(icb=icb).order_by("name")),
        contacts=list(
            Contact.objects.filter(is_active=True)
            .filter(Q(organisation=icb) | Q(organisation__icb=icb))
            .select_related("organisation")
            .order_by("organisation__name", "name")
        ),
    )


def organisation_in_icb(icb: Organisation, ods_code: str) -> Organisation | None:
    """An organisation in this ICB (or the ICB itself) by ODS code."""
    if not ods_code:
        return None
    return Organisation.objects.in_icb(icb).filter(ods_code=ods_code.strip().upper()).first()
