"""The national baseline of interface standards, as plain data.

Sources: the NHS Standard Contract requirements first introduced in 2016/17 ("Improving how
hospitals work with General Practice"), later contract years' Service Conditions, and the 2023
delivery plan's four interface areas. See docs: domain reference §1.

Clause numbers move between contract years, so each standard records the contract year its clause
refers to, and ``clause_verified`` is False where the sub-clause has not been checked against the
published contract text. Time limits carry the dates they were in force.

This module is read by the data migration that seeds the registry and by ``liaison load_standards``
(through ``liaison.standards.services.standards_baseline_load``), which refreshes a deployment. It
holds no model imports so that a migration can apply it with historical models.
"""

from dataclasses import dataclass, field
from datetime import date

STANDARD_CONTRACT = "NHS Standard Contract, Service Conditions"
RECENT_CONTRACT_YEAR = "2025/26"

ACUTE = "trust"
COMMUNITY = "community_provider"
MENTAL_HEALTH = "mental_health_trust"
ALL_PROVIDERS = [ACUTE, COMMUNITY, MENTAL_HEALTH]

INPATIENT = "inpatient"
DAY_CASE = "day_case"
A_AND_E = "a_and_e"
OUTPATIENT = "outpatient"
COMMUNITY_SETTING = "community"


@dataclass(frozen=True)
class BaselineTimeLimit:
    amount: int
    unit: str  # a TimeLimitUnit value: hours, days, working_days, days_supply
    in_force_from: date
    in_force_to: date | None = None
    applies_to: str = ""
    note: str = ""

    def fields(self) -> dict:
        return {
            "amount": self.amount,
            "unit": self.unit,
            "in_force_to": self.in_force_to,
            "note": self.note,
        }


@dataclass(frozen=True)
class BaselineStandard:
    code: str
    slug: str
    title: str
    requirement: str
    source: str
    contract_year: str
    clause: str
    clause_verified: bool
    area: str  # an Area value
    applies_to_provider_types: list[str]
    applies_to_settings: list[str]
    direction: str = "secondary_to_primary"
    time_limits: list[BaselineTimeLimit] = field(default_factory=list)

    def fields(self) -> dict:
        """The Standard's fields (other than ``code``), as the registry stores them."""
        return {
            "slug": self.slug,
            "title": self.title,
            "requirement": self.requirement,
            "source": self.source,
            "contract_year": self.contract_year,
            "clause": self.clause,
            "clause_verified": self.clause_verified,
            "area": self.area,
            "direction": self.direction,
            "applies_to_provider_types": list(self.applies_to_provider_types),
            "applies_to_settings": list(self.applies_to_settings),
        }


# The 2016/17 contract variation is the earliest point these requirements are recorded from here;
# where a limit may be older than that, the note says so rather than inventing a date.
CONTRACT_2016_17 = date(2016, 4, 1)

BASELINE: list[BaselineStandard] = [
    BaselineStandard(
        code="S01",
        slug="dna-discharge",
        title="Missed appointments and access policy",
        requirement=(
            "The provider must not operate a blanket policy of discharging a patient back to their GP "
            "because they did not attend one outpatient appointment; any decision to discharge after a "
            "missed appointment must be a clinical one, taking the patient's circumstances into account. "
            "The provider must publish its local access policy and make it available to GPs and patients."
        ),
        source=STANDARD_CONTRACT,
        contract_year=RECENT_CONTRACT_YEAR,
        clause="SC6",
        clause_verified=False,
        area="call_and_recall",
        applies_to_provider_types=ALL_PROVIDERS,
        applies_to_settings=[OUTPATIENT, COMMUNITY_SETTING],
    ),
    BaselineStandard(
        code="S02",
        slug="discharge-summary",
        title="Discharge summaries",
        requirement=(
            "After a patient's inpatient or day-case care, or attendance at A&E, the provider must send "
            "a discharge summary to the patient's GP by direct electronic transmission, within 24 hours "
            "of discharge, setting out what the GP needs to know and any action the GP is asked to take."
        ),
        source=STANDARD_CONTRACT,
        contract_year=RECENT_CONTRACT_YEAR,
        clause="SC11.5",
        clause_verified=True,
        area="complete_care",
        applies_to_provider_types=ALL_PROVIDERS,
        applies_to_settings=[INPATIENT, DAY_CASE, A_AND_E],
        time_limits=[
            BaselineTimeLimit(
                amount=24,
                unit="hours",
                in_force_from=CONTRACT_2016_17,
                note="Recorded from the 2016/17 contract; the 24-hour limit may be older.",
            )
        ],
    ),
    BaselineStandard(
        code="S03",
        slug="clinic-letter",
        title="Clinic letters",
        requirement=(
            "After an outpatient attendance, where there is information the GP needs to know or act on, "
            "the provider must send a clear and legible clinic letter to the patient's GP by direct "
            "electronic transmission, as soon as reasonably practicable and within the time limit in force."
        ),
        source=STANDARD_CONTRACT,
        contract_year=RECENT_CONTRACT_YEAR,
        clause="SC11.7",
        clause_verified=True,
        area="complete_care",
        applies_to_provider_types=ALL_PROVIDERS,
        applies_to_settings=[OUTPATIENT],
        time_limits=[
            BaselineTimeLimit(
                amount=14,
                unit="days",
                in_force_from=date(2016, 4, 1),
                in_force_to=date(2017, 3, 31),
                note="2016/17 contract.",
            ),
            BaselineTimeLimit(
                amount=10,
                unit="days",
                in_force_from=date(2017, 4, 1),
                in_force_to=date(2018, 3, 31),
                note="2017/18 contract.",
            ),
            BaselineTimeLimit(
                amount=7,
                unit="days",
                in_force_from=date(2018, 4, 1),
                note="From 1 April 2018.",
            ),
        ],
    ),
    BaselineStandard(
        code="S04",
        slug="onward-referral",
        title="Onward referral",
        requirement=(
            "Where a patient needs referral to another service within secondary care for a condition "
            "related to the one they were referred for, or for an urgent condition, the provider must "
            "make that onward referral itself rather than sending the patient back to the GP to be referred."
        ),
        source=STANDARD_CONTRACT,
        contract_year=RECENT_CONTRACT_YEAR,
        clause="SC8.4",
        clause_verified=True,
        area="onward_referrals",
        applies_to_provider_types=ALL_PROVIDERS,
        applies_to_settings=[INPATIENT, DAY_CASE, A_AND_E, OUTPATIENT],
    ),
    BaselineStandard(
        code="S05",
        slug="tests-results",
        title="Tests and results",
        requirement=(
            "The clinician who orders a test is responsible for arranging it, reviewing the result and "
            "telling the patient what it means, and must not ask the GP to chase, follow up or "
            "communicate a result on the provider's behalf."
        ),
        source=STANDARD_CONTRACT,
        contract_year=RECENT_CONTRACT_YEAR,
        clause="",
        clause_verified=False,
        area="complete_care",
        applies_to_provider_types=ALL_PROVIDERS,
        applies_to_settings=[INPATIENT, DAY_CASE, A_AND_E, OUTPATIENT],
    ),
    BaselineStandard(
        code="S06",
        slug="discharge-medication",
        title="Medication on discharge and after clinic",
        requirement=(
            "On discharge from inpatient or day-case care the provider must supply the patient with at "
            "least 7 days' medication, unless a shorter course is clinically right. After an outpatient "
            "attendance where a medicine is needed urgently, the provider must supply enough to last "
            "until the GP has received the clinic letter and can prescribe."
        ),
        source=STANDARD_CONTRACT,
        contract_year=RECENT_CONTRACT_YEAR,
        clause="SC11.9–11.10",
        clause_verified=True,
        area="complete_care",
        applies_to_provider_types=ALL_PROVIDERS,
        applies_to_settings=[INPATIENT, DAY_CASE, OUTPATIENT],
        time_limits=[
            BaselineTimeLimit(
                amount=7,
                unit="days_supply",
                in_force_from=CONTRACT_2016_17,
                applies_to="on discharge",
                note="Recorded from the 2016/17 contract.",
            )
        ],
    ),
    BaselineStandard(
        code="S07",
        slug="fit-note",
        title="Fit notes",
        requirement=(
            "Where a patient needs a fit note after inpatient, day-case, A&E or outpatient care, the "
            "provider must issue it, covering the full period the patient is expected to be unfit for "
            "work, rather than asking the GP to do so."
        ),
        source=STANDARD_CONTRACT,
        contract_year=RECENT_CONTRACT_YEAR,
        clause="SC11",
        clause_verified=False,
        area="complete_care",
        applies_to_provider_types=ALL_PROVIDERS,
        applies_to_settings=[INPATIENT, DAY_CASE, A_AND_E, OUTPATIENT],
    ),
    BaselineStandard(
        code="S08",
        slug="points-of-contact",
        title="Queries and points of contact",
        requirement=(
            "The provider must make sure patients and GPs know whom to contact about a patient's care "
            "and how, publish those points of contact, and answer queries about its own care itself "
            "rather than directing patients to their GP."
        ),
        source=STANDARD_CONTRACT,
        contract_year=RECENT_CONTRACT_YEAR,
        clause="SC12.2",
        clause_verified=True,
        area="clear_points_of_contact",
        applies_to_provider_types=ALL_PROVIDERS,
        applies_to_settings=[],
    ),
    BaselineStandard(
        code="S09",
        slug="shared-care-prescribing",
        title="Shared care and transfer of prescribing",
        requirement=(
            "The provider must not transfer responsibility for prescribing a medicine, or for monitoring "
            "a patient on it, to the GP without the GP's explicit prior agreement, under a shared care "
            "protocol where one applies."
        ),
        source=STANDARD_CONTRACT,
        contract_year=RECENT_CONTRACT_YEAR,
        clause="SC11.3–11.4",
        clause_verified=True,
        area="other",
        applies_to_provider_types=ALL_PROVIDERS,
        applies_to_settings=[INPATIENT, OUTPATIENT],
    ),
    BaselineStandard(
        code="S10",
        slug="referral-rejection",
        title="Referral acceptance and Advice & Guidance",
        requirement=(
            "The provider must not reject a clinically appropriate referral because it does not use a "
            "particular form or format. Requests for Advice & Guidance must be answered within the time "
            "limit in force."
        ),
        source=STANDARD_CONTRACT,
        contract_year=RECENT_CONTRACT_YEAR,
        clause="SC6.8",
        clause_verified=True,
        area="other",
        applies_to_provider_types=ALL_PROVIDERS,
        applies_to_settings=[OUTPATIENT],
        time_limits=[
            BaselineTimeLimit(
                amount=5,
                unit="working_days",
                in_force_from=date(2025, 4, 1),
                applies_to="Advice & Guidance",
                note="2025/26 contract.",
            )
        ],
    ),
    BaselineStandard(
        code="S11",
        slug="call-recall",
        title="Call and recall",
        requirement=(
            "Where the provider needs to see a patient again, or to monitor them, it must run that "
            "follow-up and recall itself, booking the appointment or test, rather than asking the GP "
            "to arrange it."
        ),
        source="Delivery plan for recovering access to primary care (NHS England, May 2023)",
        contract_year="2023/24",
        clause="",
        clause_verified=True,
        area="call_and_recall",
        applies_to_provider_types=ALL_PROVIDERS,
        applies_to_settings=[OUTPATIENT, COMMUNITY_SETTING],
    ),
    BaselineStandard(
        code="S12",
        slug="interface-lead",
        title="Designated interface lead",
        requirement=(
            "Each trust must name a lead for the primary–secondary care interface whom practices can "
            "contact, and the ICB board must review progress on the interface standards."
        ),
        source="NHS England 2024/25 priorities and operational planning guidance",
        contract_year="2024/25",
        clause="",
        clause_verified=True,
        area="clear_points_of_contact",
        applies_to_provider_types=ALL_PROVIDERS,
        applies_to_settings=[],
    ),
]


@dataclass
class BaselineChanges:
    """What applying the baseline did: codes created, and field changes per code."""

    standards_created: list[str] = field(default_factory=list)
    standards_updated: dict[str, dict] = field(default_factory=dict)
    time_limits_created: list[str] = field(default_factory=list)
    time_limits_updated: dict[str, dict] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(
            self.standards_created
            or self.standards_updated
            or self.time_limits_created
            or self.time_limits_updated
        )


def _differences(obj, wanted: dict) -> dict:
    return {
        name: [getattr(obj, name), value] for name, value in wanted.items() if getattr(obj, name) != value
    }


def apply_baseline(standard_model, time_limit_model, baseline=None, on_change=None) -> BaselineChanges:
    """Bring the registry in line with ``baseline``; change nothing that already matches.

    Takes the model classes so that the data migration can pass historical models. Standards are
    matched by code; time limits by (standard, in force from, applies to). Rows not in the baseline
    (local standards, limits an administrator added) are left alone. ``on_change(kind, obj, changes)``
    is called for every row created (``changes`` is None) or updated, so callers can audit.
    """
    result = BaselineChanges()
    for item in BASELINE if baseline is None else baseline:
        wanted = item.fields()
        standard = standard_model.objects.filter(code=item.code).first()
        if standard is None:
            standard = standard_model.objects.create(code=item.code, owner_icb=None, **wanted)
            result.standards_created.append(item.code)
            if on_change:
                on_change("standard", standard, None)
        else:
            differences = _differences(standard, wanted)
            if differences:
                for name, (_old, new) in differences.items():
                    setattr(standard, name, new)
                standard.save(update_fields=list(differences))
                result.standards_updated[item.code] = differences
                if on_change:
                    on_change("standard", standard, differences)
        for limit in item.time_limits:
            label = f"{item.code} from {limit.in_force_from.isoformat()}"
            existing = time_limit_model.objects.filter(
                standard=standard, in_force_from=limit.in_force_from, applies_to=limit.applies_to
            ).first()
            if existing is None:
                created = time_limit_model.objects.create(
                    standard=standard,
                    in_force_from=limit.in_force_from,
                    applies_to=limit.applies_to,
                    **limit.fields(),
                )
                result.time_limits_created.append(label)
                if on_change:
                    on_change("time_limit", created, None)
                continue
            differences = _differences(existing, limit.fields())
            if differences:
                for name, (_old, new) in differences.items():
                    setattr(existing, name, new)
                existing.save(update_fields=list(differences))
                result.time_limits_updated[label] = differences
                if on_change:
                    on_change("time_limit", existing, differences)
    return result
