"""The standards registry over the JSON API: standards in force, one standard, its time limit on a date."""

import re
from datetime import date
from typing import Annotated

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from liaison.accounts.permissions import has_permission
from liaison.standards import selectors
from liaison.standards.models import Area, Direction, TimeLimitUnit

router = Router(tags=["standards"])

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_only(value):
    # Pydantic alone would also read "0" or "1496275200" as Unix timestamps.
    if isinstance(value, str) and not _ISO_DATE.match(value.strip()):
        raise PydanticCustomError("date_format", "Enter the date as YYYY-MM-DD, for example 2017-06-01")
    return value.strip() if isinstance(value, str) else value


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]


class ProblemFieldOut(Schema):
    field: str = Field(examples=["query.on"])
    message: str
    code: str


class ProblemOut(Schema):
    """An RFC 9457 problem document (served as application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[ProblemFieldOut] | None = None


PROBLEMS = {403: ProblemOut, 404: ProblemOut, 422: ProblemOut}


class TimeLimitOut(Schema):
    amount: int = Field(examples=[7])
    unit: TimeLimitUnit
    description: str = Field(examples=["7 calendar days"])
    applies_to: str = Field(description="Empty when the limit applies to the whole standard.")
    in_force_from: date
    in_force_to: date | None = Field(description="Last day in force; null while still in force.")
    note: str


class StandardInForceOut(Schema):
    code: str = Field(examples=["S03"])
    title: str = Field(description="The Code of Conduct's title for the standard, else the national title.")
    wording: str = Field(description="The Code of Conduct's wording, else the national requirement.")
    local_reference: str = Field(description="The Code's own numbering, if it has one.")
    area: Area
    direction: Direction
    is_local: bool = Field(description="True for a standard an ICB added itself (code L-<ICB>-nn).")
    time_limit: TimeLimitOut | None = Field(description="The time limit in force on the date asked about.")


class CodeOfConductVersionOut(Schema):
    title: str
    version: str
    effective_from: date
    published_at: str


class StandardsInForceOut(Schema):
    icb: str | None = Field(description="ODS code of the ICB asked about; null for the national baseline.")
    on: date
    code_of_conduct: CodeOfConductVersionOut | None = Field(
        description="The version of the ICB's Code in force on the date; null when the national baseline applies."
    )
    standards: list[StandardInForceOut]


class StandardOut(Schema):
    code: str = Field(examples=["S03"])
    slug: str = Field(examples=["clinic-letter"])
    title: str
    requirement: str
    source: str
    contract_year: str = Field(
        description="The contract year the clause number refers to.", examples=["2025/26"]
    )
    clause: str = Field(examples=["SC11.7"])
    clause_verified: bool = Field(
        description="False where the sub-clause has not been checked against the contract."
    )
    area: Area
    direction: Direction
    applies_to_provider_types: list[str] = Field(description="Directory organisation types; empty means all.")
    applies_to_settings: list[str] = Field(description="inpatient, day_case, a_and_e, outpatient, community.")
    owner_icb: str | None = Field(
        description="ODS code of the ICB that added a local standard; null if national."
    )
    time_limit_today: TimeLimitOut | None
    time_limits: list[TimeLimitOut] = Field(
        description="Every time limit with the dates it was in force, oldest first."
    )


class TimeLimitOnOut(Schema):
    code: str
    on: date
    time_limit: TimeLimitOut | None = Field(description="Null when no time limit was in force on that date.")


def _require_view(request) -> None:
    if not has_permission(getattr(request, "membership", None), "standards.view"):
        raise PermissionError("You need a membership of an organisation to read the standards.")


def _limit(limit) -> TimeLimitOut | None:
    if limit is None:
        return None
    return TimeLimitOut(
        amount=limit.amount,
        unit=limit.unit,
        description=limit.describe(),
        applies_to=limit.applies_to,
        in_force_from=limit.in_force_from,
        in_force_to=limit.in_force_to,
        note=limit.note,
    )


@router.get(
    "/standards",
    response={200: StandardsInForceOut, **PROBLEMS},
    summary="The standards in force in an ICB on a date",
    description=(
        "With `icb` (an ICB's ODS code), the standards of the version of that ICB's Code of Conduct in "
        "force on `on`, in the Code's order and wording; the national baseline if it has none in force then. "
        "Without `icb`, the national baseline. `on` defaults to today."
    ),
)
def list_standards(
    request,
    icb: Annotated[str | None, Query(description="An ICB's ODS code, for example QYG.")] = None,
    on: Annotated[IsoDate | None, Query(description="A date as YYYY-MM-DD; today if left out.")] = None,
):
    _require_view(request)
    day = on or timezone.localdate()
    organisation = None
    if icb:
        organisation = selectors.icb_by_ods_code(ods_code=icb)
        if organisation is None:
            raise Http404(f"There is no ICB with ODS code {icb[:12]}.")
    in_force = selectors.code_of_conduct_for(icb=organisation, day=day)
    version = in_force.version
    return StandardsInForceOut(
        icb=organisation.ods_code if organisation else None,
        on=day,
        code_of_conduct=CodeOfConductVersionOut(
            title=version.code_of_conduct.title,
            version=version.version,
            effective_from=version.effective_from,
            published_at=version.published_at.isoformat(),
        )
        if version
        else None,
        standards=[
            StandardInForceOut(
                code=item.code,
                title=item.title,
                wording=item.wording,
                local_reference=item.local_reference,
                area=item.standard.area,
                direction=item.standard.direction,
                is_local=item.is_local,
                time_limit=_limit(item.time_limit),
            )
            for item in in_force.standards
        ],
    )


def _standard_or_404(code: str):
    standard = selectors.standard_by_code(code=code)
    if standard is None:
        raise Http404(f"There is no standard with code {code[:20]}.")
    return standard


@router.get(
    "/standards/{code}",
    response={200: StandardOut, 403: ProblemOut, 404: ProblemOut},
    summary="One standard with its time-limit history",
)
def get_standard(request, code: str):
    _require_view(request)
    standard = _standard_or_404(code)
    limits = list(standard.time_limits.all())
    return StandardOut(
        code=standard.code,
        slug=standard.slug,
        title=standard.title,
        requirement=standard.requirement,
        source=standard.source,
        contract_year=standard.contract_year,
        clause=standard.clause,
        clause_verified=standard.clause_verified,
        area=standard.area,
        direction=standard.direction,
        applies_to_provider_types=standard.applies_to_provider_types,
        applies_to_settings=standard.applies_to_settings,
        owner_icb=standard.owner_icb.ods_code if standard.owner_icb else None,
        time_limit_today=_limit(selectors.time_limit_on(standard=standard, day=timezone.localdate())),
        time_limits=[_limit(limit) for limit in limits],
    )


@router.get(
    "/standards/{code}/time-limit",
    response={200: TimeLimitOnOut, **PROBLEMS},
    summary="The time limit of a standard in force on a date",
    description="For example S03 on 2017-06-01 was 10 calendar days. `time_limit` is null if none was in force.",
)
def get_time_limit_on(request, code: str, on: Annotated[IsoDate, Query(description="A date as YYYY-MM-DD.")]):
    _require_view(request)
    standard = _standard_or_404(code)
    return TimeLimitOnOut(
        code=standard.code, on=on, time_limit=_limit(selectors.time_limit_on(standard=standard, day=on))
    )
