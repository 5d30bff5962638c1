"""Fixtures for the standards tests: the national baseline, and a Code of Conduct for the test ICB."""

from datetime import date

import pytest

from liaison.standards import services


@pytest.fixture
def baseline(db):
    """The national baseline, loaded idempotently (the migration seeds it; a flushed database may not have it)."""
    services.standards_baseline_load()


@pytest.fixture
def published_code(baseline, icb, icb_analyst):
    """Version 1 of the test ICB's Code, in force from 1 April 2024, with every national standard."""
    version = services.code_of_conduct_create(
        actor=icb_analyst.user,
        membership=icb_analyst,
        icb=icb,
        title="Cheshire and Merseyside Primary–Secondary Care Interface Code of Conduct",
        effective_from=date(2024, 4, 1),
    )
    return services.code_of_conduct_version_publish(
        actor=icb_analyst.user, membership=icb_analyst, version=version
    )


@pytest.fixture
def draft_version(published_code, icb_analyst):
    """Version 2, a draft copied from version 1, taking effect on 1 April 2025."""
    return services.code_of_conduct_version_create(
        actor=icb_analyst.user,
        membership=icb_analyst,
        code_of_conduct=published_code.code_of_conduct,
        effective_from=date(2025, 4, 1),
    )
