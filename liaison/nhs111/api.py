"""NHS 111 message quality over the JSON API, for ICB dashboards and the monthly report. Counts only."""

from datetime import date

from ninja import Field, Query, Router, Schema

from liaison.nhs111 import selectors

router = Router(tags=["nhs111"])


class MissingSectionOut(Schema):
    section: str = Field(examples=["Allergies and adverse reactions"])
    messages: int


class SenderScoreOut(Schema):
    sender_ods: str = Field(examples=["RX7"])
    sender_name: str
    received: int
    rejected: int
    accepted_with_required_missing: int
    required_sections_missing: list[MissingSectionOut]
    median_minutes_contact_to_receipt: float | None


class ScorecardOut(Schema):
    icb_ods: str
    month: date = Field(description="The first day of the month reported.")
    senders: list[SenderScoreOut]


class MonthQuery(Schema):
    month: str = Field(
        "", description="YYYY-MM; this month when empty.", pattern=r"^(\d{4}-(0[1-9]|1[0-2]))?$"
    )


@router.get("/111/scorecard", response=ScorecardOut, summary="NHS 111 message quality per sending provider")
def scorecard(request, query: Query[MonthQuery]):
    """Per 111 / 999 provider sending about patients in your ICB, for one month: messages received and
    rejected, Required PRSB sections missing (which), and the median time from the start of the 111
    contact to receipt. ICB analysts and administrators only; no patient data."""
    card = selectors.scorecard_for(getattr(request, "membership", None), selectors.month_start(query.month))
    if card is None:
        raise PermissionError("Only ICB analysts and administrators see the 111 scorecard.")
    return {
        "icb_ods": card.icb.ods_code,
        "month": card.month,
        "senders": [
            {
                "sender_ods": score.sender.ods_code,
                "sender_name": score.sender.display_name,
                "received": score.received,
                "rejected": score.rejected,
                "accepted_with_required_missing": score.with_required_missing,
                "required_sections_missing": [
                    {"section": title, "messages": count} for title, count in score.most_missing
                ],
                "median_minutes_contact_to_receipt": score.median_minutes,
            }
            for score in card.scores
        ],
    }
