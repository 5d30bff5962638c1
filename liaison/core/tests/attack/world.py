"""A Liaison with the hostile payloads stored in every free-text field, and the pages that show them.

Shared by the server-side payload test and the browser test. The 'render' payloads of
payloads.json are packed into texts that fit each field, and stored through the services the
pages use (so the PID guard and every check run), then each page that shows them is listed with
the membership that can see it.
"""

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

from liaison.accounts.models import Role
from liaison.concerns.services import ConcernSubmission, add_occurrence, submit_concern
from liaison.core.factories import MembershipFactory, PracticeFactory, TrustFactory, UserFactory
from liaison.directory.models import ContactRole
from liaison.directory.services import contact_create
from liaison.nhs111 import services as nhs111_services
from liaison.nhs111.samples import SENDER_ODS, referral_r4
from liaison.routing import services as routing

PAYLOADS = json.loads((Path(__file__).with_name("payloads.json")).read_text())


def payloads(use: str) -> list[dict]:
    return [payload for payload in PAYLOADS["payloads"] if payload["use"] == use]


def packed(limit: int) -> list[str]:
    """Every 'render' payload, packed into texts of at most ``limit`` characters."""
    texts, current = [], "Hostile text:"
    for payload in payloads("render"):
        piece = f" [{payload['id']}] {payload['text']}"
        if len(current) + len(piece) > limit:
            texts.append(current)
            current = "Hostile text:"
        current += piece
    texts.append(current)
    return texts


@dataclass
class World:
    reporter: object
    responder: object
    other_reporter: object
    icb_analyst: object
    concern: object
    redirected: object
    pages: list = field(default_factory=list)  # (membership, path)
    theme: object = None
    month: str = ""


def build(icb, practice, trust, published_code) -> World:
    def member(role, organisation):
        return MembershipFactory(user=UserFactory(), organisation=organisation, role=role)

    reporter = member(Role.REPORTER, practice)
    other_practice = PracticeFactory(ods_code="N82099", name="ANOTHER HOSTILE PRACTICE", icb=icb)
    other_reporter = member(Role.REPORTER, other_practice)
    responder = member(Role.RESPONDER, trust)
    lead = member(Role.INTERFACE_LEAD, trust)
    icb_analyst = member(Role.ICB_ANALYST, icb)
    other_trust = TrustFactory(ods_code="RBS", name="ALDER HEY CHILDREN'S NHS FOUNDATION TRUST", icb=icb)
    member(Role.RESPONDER, other_trust)
    day = timezone.localdate() - timezone.timedelta(days=2)
    long_texts = packed(1900)
    short_texts = packed(480)

    def report(**changes):
        values = {
            "part": "A",
            "about_organisation": trust.ods_code,
            "aspect_of_care": "discharge",
            "event_date": day,
            "what_happened": " ".join(long_texts),
            "impact": " ".join(reversed(long_texts)),
            "service_description": short_texts[0][:200],
            **changes,
        }
        concern, _ = submit_concern(membership=reporter, submission=ConcernSubmission(**values))
        return concern

    concern = report()
    for text in short_texts:
        routing.thread_post(membership=responder, concern=concern, body=text, confirmed=True)
        routing.thread_post(membership=responder, concern=concern, body=text, internal=True, confirmed=True)
        routing.thread_post(membership=reporter, concern=concern, body=text, confirmed=True)
        routing.response_template_save(membership=responder, title=text[:120], body=text)
    add_occurrence(
        membership=other_reporter,
        concern=concern,
        event_date=day,
        note=short_texts[0],
        confirm_not_identifying=["note"],
    )
    redirected = report(what_happened="A second report, passed on. " + long_texts[0])
    routing.concern_redirect(
        membership=responder, concern=redirected, to_organisation=other_trust, reason=short_texts[-1]
    )
    for text in short_texts:
        contact_create(
            organisation=trust,
            role=ContactRole.SERVICE_LEAD,
            name=text[:200],
            job_title=text[:200],
            contact_notes=text,
        )
    # CQRG contacts whose names (free text an ICB analyst types) are hostile.
    from liaison.reports.models import Audience
    from liaison.reports.subscriptions import subscription_add

    contacts = [
        subscription_add(
            icb=icb,
            audience=Audience.CQRG,
            ods_code=trust.ods_code,
            email=f"cqrg{index}@nhs.net",
            name=text[:200],
        )
        for index, text in enumerate(short_texts)
    ]
    # An NHS 111 message to the practice whose free text is hostile.
    sender = TrustFactory(ods_code=SENDER_ODS, name="NORTH WEST AMBULANCE SERVICE NHS TRUST", icb=icb)
    credential, _ = nhs111_services.sender_credential_issue(organisation=sender, name="Hostile test sender")
    receipt = nhs111_services.message_receive(
        data=referral_r4(practice_ods=practice.ods_code, condition_text=short_texts[0][:250]),
        credential=credential,
        request_id=str(uuid.uuid4()),
        correlation_id=str(uuid.uuid4()),
    )
    world = World(reporter, responder, other_reporter, icb_analyst, concern, redirected)
    world.theme = _hostile_themes(icb, concern, icb_analyst)
    world.month = f"{day:%Y-%m}"
    ref, moved = concern.reference, redirected.reference
    world.pages = [
        (reporter, f"/concerns/{ref}/"),
        (reporter, "/concerns/"),
        (reporter, f"/routing/concerns/{ref}/"),
        (reporter, f"/routing/concerns/{moved}/"),
        (other_reporter, f"/concerns/{ref}/"),
        (responder, f"/routing/concerns/{ref}/"),
        (responder, "/routing/inbox/"),
        (lead, "/routing/templates/"),
        (lead, f"/routing/concerns/{ref}/"),
        (responder, f"/concerns/{ref}/"),
        (icb_analyst, f"/routing/concerns/{ref}/"),
        (icb_analyst, "/routing/icb/"),
        (icb_analyst, "/routing/icb/export.csv"),
        (reporter, f"/directory/organisations/{trust.ods_code}/"),
        (reporter, "/directory/whos-who/"),
        (reporter, "/notifications/"),
        (responder, "/notifications/"),
        (icb_analyst, "/themes/"),
        (icb_analyst, f"/themes/{world.theme.pk}/"),
        (lead, "/themes/"),
        (icb_analyst, "/reports/"),
        (icb_analyst, f"/reports/monthly/?month={world.month}"),
        (icb_analyst, f"/reports/monthly/?month={world.month}&version=newsletter"),
        (icb_analyst, "/reports/subscriptions/"),
        (icb_analyst, f"/reports/subscriptions/{contacts[0].pk}/"),
        (icb_analyst, f"/reports/subscriptions/{contacts[0].pk}/remove/"),
    ]
    message_id = getattr(receipt, "message_id", None) or _latest_message_id()
    if message_id:
        world.pages += [(reporter, "/111/"), (reporter, f"/111/messages/{message_id}/")]
    return world


def _hostile_themes(icb, concern, analyst):
    """Themes named by an analyst with the payloads, holding the concern, with hostile actions and
    progress notes: the themes pages, the dashboard and the monthly report (page, CSV, PDF) show them."""
    from liaison.themes import services as theme_services
    from liaison.themes.models import ActionStatus, Theme, ThemeMembership

    themes = []
    for text in packed(120):
        theme = Theme.objects.create(icb=icb, label="Hostile test theme")
        themes.append(theme_services.theme_rename(membership=analyst, theme=theme, label=text[:120]))
    first = themes[0]
    ThemeMembership.objects.create(theme=first, concern=concern)
    for text in packed(480):
        action = theme_services.theme_action_add(membership=analyst, theme=first, action=text)
        theme_services.theme_action_update(
            membership=analyst, action=action, status=ActionStatus.IN_PROGRESS, note=text
        )
    return first


def _latest_message_id():
    from liaison.nhs111.models import ReceivedMessage

    latest = ReceivedMessage.objects.order_by("-pk").first()
    return latest.pk if latest else None
