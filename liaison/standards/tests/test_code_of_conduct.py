from datetime import date

import pytest
from django.core.exceptions import ValidationError

from liaison.accounts.models import Role
from liaison.audit.models import AuditEvent
from liaison.standards import selectors, services
from liaison.standards.models import CodeStandard, Direction, Standard

pytestmark = pytest.mark.django_db


def _entry(version, code):
    return selectors.version_entry(version=version, code=code)


def test_a_new_code_starts_as_a_draft_with_every_national_standard(baseline, icb, icb_analyst):
    version = services.code_of_conduct_create(
        actor=icb_analyst.user,
        membership=icb_analyst,
        icb=icb,
        title="Our Code",
        effective_from=date(2024, 4, 1),
    )
    assert version.version == "1" and version.published_at is None
    codes = [e.code for e in selectors.version_entries(version=version, day=date(2024, 4, 1))]
    assert codes == [f"S{n:02d}" for n in range(1, 13)]
    # A draft is not in force: the ICB still works to the national baseline.
    in_force = selectors.code_of_conduct_for(icb=icb, day=date(2025, 1, 1))
    assert in_force.is_national_baseline and len(in_force.standards) == 12


def test_an_icb_has_one_code(published_code, icb, icb_analyst):
    with pytest.raises(ValidationError, match="already has a Code of Conduct"):
        services.code_of_conduct_create(
            actor=icb_analyst.user,
            membership=icb_analyst,
            icb=icb,
            title="Another",
            effective_from=date(2025, 1, 1),
        )


def test_new_version_copies_the_previous_one(published_code, icb_analyst):
    version2 = _redraft(published_code, icb_analyst)
    assert version2.version == "2" and version2.based_on == published_code
    services.code_standard_reword(
        actor=icb_analyst.user,
        membership=icb_analyst,
        entry=_entry(version2, "S03"),
        local_reference="4.1",
        local_title="Letters after clinic",
    )
    services.code_of_conduct_version_publish(actor=icb_analyst.user, membership=icb_analyst, version=version2)
    version3 = _redraft(published_code, icb_analyst, day=date(2026, 4, 1))
    assert version3.version == "3" and version3.based_on == version2
    copied = _entry(version3, "S03")
    assert (copied.local_reference, copied.local_title) == ("4.1", "Letters after clinic")
    assert copied.pk != _entry(version2, "S03").pk
    assert [e.code for e in selectors.version_entries(version=version3, day=date(2026, 4, 1))] == [
        e.code for e in selectors.version_entries(version=version2, day=date(2026, 4, 1))
    ]
    assert CodeStandard.objects.filter(version=version3).count() == 12


def _redraft(published, analyst, day=date(2025, 4, 1)):
    return services.code_of_conduct_version_create(
        actor=analyst.user, membership=analyst, code_of_conduct=published.code_of_conduct, effective_from=day
    )


def test_rewording_a_draft_leaves_the_published_version_unchanged(draft_version, published_code, icb_analyst):
    services.code_standard_reword(
        actor=icb_analyst.user,
        membership=icb_analyst,
        entry=_entry(draft_version, "S02"),
        local_title="Discharge letters",
        local_wording="Discharge letters reach the practice within 24 hours, electronically.",
    )
    assert (
        _entry(draft_version, "S02").wording
        == "Discharge letters reach the practice within 24 hours, electronically."
    )
    original = _entry(published_code, "S02")
    assert original.title == "Discharge summaries"
    assert original.wording == Standard.objects.get(code="S02").requirement


def test_rewording_back_to_the_national_text_clears_the_local_text(draft_version, icb_analyst):
    s05 = Standard.objects.get(code="S05")
    entry = services.code_standard_reword(
        actor=icb_analyst.user,
        membership=icb_analyst,
        entry=_entry(draft_version, "S05"),
        local_title="Results",
    )
    assert entry.local_title == "Results"
    entry = services.code_standard_reword(
        actor=icb_analyst.user,
        membership=icb_analyst,
        entry=entry,
        local_title=s05.title,
        local_wording=s05.requirement,
    )
    assert (entry.local_title, entry.local_wording) == ("", "")


def test_a_published_version_cannot_be_changed(published_code, icb_analyst):
    entry = _entry(published_code, "S03")
    attempts = [
        lambda: services.code_standard_reword(
            actor=icb_analyst.user, membership=icb_analyst, entry=entry, local_title="X"
        ),
        lambda: services.code_standard_deselect(actor=icb_analyst.user, membership=icb_analyst, entry=entry),
        lambda: services.code_standard_move(
            actor=icb_analyst.user, membership=icb_analyst, entry=entry, direction="up"
        ),
        lambda: services.local_standard_add(
            actor=icb_analyst.user,
            membership=icb_analyst,
            version=published_code,
            title="T",
            requirement="R.",
        ),
        lambda: services.code_of_conduct_version_publish(
            actor=icb_analyst.user, membership=icb_analyst, version=published_code
        ),
    ]
    for attempt in attempts:
        with pytest.raises(services.PublishedVersionError, match="was published on .* cannot be changed"):
            attempt()
    entry.refresh_from_db()
    assert entry.local_title == "" and entry.position == 3
    assert CodeStandard.objects.filter(version=published_code).count() == 12


def test_publishing_freezes_the_wording_against_later_national_changes(published_code):
    s03 = Standard.objects.get(code="S03")
    national_then = s03.requirement
    s03.requirement = "A changed national requirement."
    s03.save()
    assert _entry(published_code, "S03").wording == national_then


def test_deselect_select_and_reorder_a_draft(draft_version, icb_analyst):
    actor, membership = icb_analyst.user, icb_analyst
    services.code_standard_deselect(actor=actor, membership=membership, entry=_entry(draft_version, "S12"))
    services.code_standard_deselect(actor=actor, membership=membership, entry=_entry(draft_version, "S11"))
    assert _entry(draft_version, "S12") is None
    assert [s.code for s in selectors.standards_available_to_add(version=draft_version)] == ["S11", "S12"]
    services.code_standard_select(
        actor=actor, membership=membership, version=draft_version, standard=Standard.objects.get(code="S12")
    )
    with pytest.raises(ValidationError, match="already in version 2"):
        services.code_standard_select(
            actor=actor,
            membership=membership,
            version=draft_version,
            standard=Standard.objects.get(code="S12"),
        )
    services.code_standard_move(
        actor=actor, membership=membership, entry=_entry(draft_version, "S03"), direction="up"
    )
    codes = [e.code for e in selectors.version_entries(version=draft_version, day=date(2025, 4, 1))]
    assert codes[:4] == ["S01", "S03", "S02", "S04"]
    assert codes[-1] == "S12" and "S11" not in codes
    with pytest.raises(ValidationError, match="exactly once"):
        services.code_of_conduct_version_reorder(
            actor=actor, membership=membership, version=draft_version, codes=["S01"]
        )


def test_local_reverse_direction_standards(draft_version, icb_analyst, icb):
    referral = services.local_standard_add(
        actor=icb_analyst.user,
        membership=icb_analyst,
        version=draft_version,
        title="Complete referrals",
        requirement="Referrals from general practice include the question being asked, current medication and relevant results.",
        direction=Direction.PRIMARY_TO_SECONDARY,
        area="onward_referrals",
    )
    actions = services.local_standard_add(
        actor=icb_analyst.user,
        membership=icb_analyst,
        version=draft_version,
        title="Acting on discharge actions",
        requirement="The practice reads discharge summaries and completes actions asked of the GP.",
        direction=Direction.PRIMARY_TO_SECONDARY,
        area="complete_care",
        time_limit_amount=5,
        time_limit_unit="working_days",
    )
    assert (referral.standard.code, actions.standard.code) == ("L-QYG-01", "L-QYG-02")
    assert referral.standard.owner_icb == icb and referral.standard.is_local
    assert referral.standard.direction == "primary_to_secondary"
    # The local time limit starts when the version takes effect.
    assert selectors.time_limit_on(standard=actions.standard, day=date(2025, 3, 31)) is None
    assert (
        selectors.time_limit_on(standard=actions.standard, day=date(2025, 4, 1)).describe()
        == "5 working days"
    )
    # Local standards are not part of the national baseline, and not in force until published.
    assert "L-QYG-01" not in [s.code for s in selectors.national_baseline(day=date(2025, 5, 1)).standards]
    assert "L-QYG-01" not in [s.code for s in selectors.standards_in_force(icb=icb, day=date(2025, 5, 1))]
    services.code_of_conduct_version_publish(
        actor=icb_analyst.user, membership=icb_analyst, version=draft_version
    )
    in_force = selectors.code_of_conduct_for(icb=icb, day=date(2025, 5, 1))
    assert in_force.version == draft_version
    assert [s.code for s in in_force.standards][-2:] == ["L-QYG-01", "L-QYG-02"]
    assert in_force.standards[-1].time_limit.amount == 5


def test_local_standard_validation(draft_version, icb_analyst):
    with pytest.raises(ValidationError) as raised:
        services.local_standard_add(
            actor=icb_analyst.user,
            membership=icb_analyst,
            version=draft_version,
            title="",
            requirement="",
            time_limit_amount=3,
        )
    assert set(raised.value.message_dict) == {"title", "requirement", "time_limit_amount"}
    assert not Standard.objects.filter(owner_icb__isnull=False).exists()


def test_another_icbs_local_standard_cannot_be_selected(draft_version, other_icb):
    from liaison.core.factories import MembershipFactory

    sussex = MembershipFactory(organisation=other_icb, role=Role.ICB_ANALYST)
    sussex_v1 = services.code_of_conduct_create(
        actor=sussex.user,
        membership=sussex,
        icb=other_icb,
        title="Sussex Code",
        effective_from=date(2024, 4, 1),
    )
    sussex_local = services.local_standard_add(
        actor=sussex.user,
        membership=sussex,
        version=sussex_v1,
        title="Sussex only",
        requirement="Sussex rule.",
    ).standard
    assert sussex_local.code == "L-QNX-01"
    analyst = MembershipFactory(organisation=draft_version.code_of_conduct.icb, role=Role.ICB_ANALYST)
    with pytest.raises(ValidationError, match="another ICB's local standard"):
        services.code_standard_select(
            actor=analyst.user, membership=analyst, version=draft_version, standard=sussex_local
        )


def test_version_in_force_on_a_date(published_code, icb_analyst, icb):
    version2 = _redraft(published_code, icb_analyst, day=date(2025, 4, 1))
    services.code_of_conduct_version_publish(actor=icb_analyst.user, membership=icb_analyst, version=version2)
    assert selectors.code_of_conduct_for(icb=icb, day=date(2024, 3, 31)).is_national_baseline
    assert selectors.code_of_conduct_for(icb=icb, day=date(2024, 4, 1)).version == published_code
    assert selectors.code_of_conduct_for(icb=icb, day=date(2025, 3, 31)).version == published_code
    assert selectors.code_of_conduct_for(icb=icb, day=date(2025, 4, 1)).version == version2
    assert selectors.current_code_of_conduct_version(icb=icb, day=date(2030, 1, 1)) == version2


def test_one_draft_at_a_time_and_dates_must_move_forward(draft_version, published_code, icb_analyst):
    with pytest.raises(ValidationError, match="still a draft"):
        _redraft(published_code, icb_analyst, day=date(2026, 1, 1))
    services.code_of_conduct_version_publish(
        actor=icb_analyst.user, membership=icb_analyst, version=draft_version
    )
    with pytest.raises(ValidationError) as raised:
        _redraft(published_code, icb_analyst, day=date(2025, 4, 1))
    assert "after 01 April 2025" in raised.value.message_dict["effective_from"][0]


def test_code_for_an_icb_in_force_is_loaded_in_three_queries(published_code, icb, django_assert_num_queries):
    # The reference generation token, then the version, its entries and their time limits.
    with django_assert_num_queries(4):
        in_force = selectors.code_of_conduct_for(icb=icb, day=date(2025, 1, 1))
        rows = [(s.code, s.title, s.wording, s.time_limit) for s in in_force.standards]
    assert len(rows) == 12
    with django_assert_num_queries(1):  # kept while the token stands
        again = selectors.code_of_conduct_for(icb=icb, day=date(2025, 1, 1))
        assert [(s.code, s.title, s.wording, s.time_limit) for s in again.standards] == rows
    with django_assert_num_queries(3):
        baseline = selectors.code_of_conduct_for(icb=None, day=date(2025, 1, 1))
        [(s.code, s.time_limit) for s in baseline.standards]


@pytest.mark.parametrize("role", ["reporter", "responder", "interface_lead"])
def test_other_roles_cannot_change_a_code(request, draft_version, icb, role):
    membership = request.getfixturevalue(role)
    with pytest.raises(PermissionError):
        services.code_standard_reword(
            actor=membership.user, membership=membership, entry=_entry(draft_version, "S01"), local_title="X"
        )
    with pytest.raises(PermissionError):
        services.code_of_conduct_version_publish(
            actor=membership.user, membership=membership, version=draft_version
        )


def test_an_analyst_cannot_change_another_icbs_code(draft_version, other_icb):
    from liaison.core.factories import MembershipFactory

    sussex = MembershipFactory(organisation=other_icb, role=Role.ICB_ANALYST)
    with pytest.raises(PermissionError, match="Only ICB analysts and administrators at"):
        services.code_standard_deselect(
            actor=sussex.user, membership=sussex, entry=_entry(draft_version, "S01")
        )
    assert _entry(draft_version, "S01") is not None


def test_the_actor_must_be_the_memberships_user(draft_version, icb_analyst, administrator):
    with pytest.raises(PermissionError):
        services.code_of_conduct_version_publish(
            actor=administrator.user, membership=icb_analyst, version=draft_version
        )


def test_administrator_at_the_icb_may_manage(draft_version, administrator):
    services.code_of_conduct_version_publish(
        actor=administrator.user, membership=administrator, version=draft_version
    )
    draft_version.refresh_from_db()
    assert draft_version.published_by == administrator.user


def test_every_change_is_audited_with_its_fields(draft_version, icb_analyst, icb):
    services.code_standard_reword(
        actor=icb_analyst.user,
        membership=icb_analyst,
        entry=_entry(draft_version, "S03"),
        local_reference="3",
        local_title="Clinic letters to GPs",
    )
    services.code_of_conduct_version_publish(
        actor=icb_analyst.user, membership=icb_analyst, version=draft_version
    )
    events = AuditEvent.objects.filter(actor=icb_analyst.user).order_by("id")
    kinds = [(e.action, e.object_type) for e in events]
    assert kinds == [
        ("create", "standards.CodeOfConduct"),
        ("create", "standards.CodeOfConductVersion"),  # version 1
        ("update", "standards.CodeOfConductVersion"),  # version 1 published
        ("create", "standards.CodeOfConductVersion"),  # version 2
        ("update", "standards.CodeStandard"),  # re-worded
        ("update", "standards.CodeOfConductVersion"),  # version 2 published
    ]
    reworded = events[4]
    assert reworded.changes == {"local_reference": ["", "3"], "local_title": ["", "Clinic letters to GPs"]}
    assert reworded.organisation == icb
    assert events[5].changes["published_at"][0] is None


def test_version_history_statuses(published_code, icb_analyst, icb):
    version2 = _redraft(published_code, icb_analyst, day=date(2025, 4, 1))
    services.code_of_conduct_version_publish(actor=icb_analyst.user, membership=icb_analyst, version=version2)
    version3 = _redraft(published_code, icb_analyst, day=date(2026, 4, 1))
    history = selectors.code_of_conduct_history(icb=icb, day=date(2025, 6, 1), include_drafts=True)
    assert [(s.version.version, s.status, s.standard_count) for s in history.versions] == [
        ("3", "draft", 12),
        ("2", "in_force", 12),
        ("1", "replaced", 12),
    ]
    assert history.draft == version3
    services.code_of_conduct_version_publish(actor=icb_analyst.user, membership=icb_analyst, version=version3)
    public = selectors.code_of_conduct_history(icb=icb, day=date(2025, 6, 1), include_drafts=False)
    assert [s.status for s in public.versions] == ["scheduled", "in_force", "replaced"]
