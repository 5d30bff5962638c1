"""Every URL pattern and JSON API operation × every role at its own organisation, another organisation
in the same ICB, another ICB, and anonymous: the status each gets, and that no response carries a
patient reference, free text, internal note or 111 patient the viewer may not see.

Expectations live in ``matrix.py``; the world in ``world.py``. Each request runs in a transaction that
is rolled back, so the world is built once per module and no request changes what the next one sees.
"""

import json
import os
import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from liaison.core.tests.access import harness, matrix
from liaison.core.tests.access.world import (
    ANONYMOUS,
    IMPACT,
    INTERNAL_NOTE,
    PATIENT_NAMES,
    PATIENT_REFERENCES,
    VIEWERS,
    WHAT_HAPPENED,
    build_world,
)

ENTRIES = {**matrix.URLS, **matrix.API}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock(), override_settings(VAR_DIR=tmp_path_factory.mktemp("var")):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def quick_passwords_and_generous_limits(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LIAISON_RATE_LIMITS = {}  # the matrix makes many requests as one person


def test_every_url_pattern_has_a_matrix_entry():
    missing = sorted(harness.url_pattern_names() - set(matrix.URLS))
    assert not missing, (
        "These URL patterns have no entry in liaison/core/tests/access/matrix.py URLS: "
        + ", ".join(missing)
        + ". Add one saying who may reach each and with which status."
    )
    stale = sorted(set(matrix.URLS) - harness.url_pattern_names())
    assert not stale, f"matrix.py URLS names patterns that no longer exist: {', '.join(stale)}"


def test_every_api_operation_has_a_matrix_entry():
    missing = sorted(harness.api_operations() - set(matrix.API))
    assert not missing, (
        "These JSON API operations have no entry in liaison/core/tests/access/matrix.py API: "
        + ", ".join(missing)
        + ". Add one saying who may call each and with which status."
    )
    stale = sorted(set(matrix.API) - harness.api_operations())
    assert not stale, f"matrix.py API names operations that no longer exist: {', '.join(stale)}"


def test_every_entry_decides_for_every_viewer():
    for name, entry in ENTRIES.items():
        assert set(entry.statuses) == set(VIEWERS), f"{name}: statuses must name every viewer"
        undecided = [viewer for viewer, status in entry.statuses.items() if status == "TODO"]
        assert not undecided, f"{name}: no decision yet for {undecided}"


def _forbidden(viewer: str, *, joined_c1: bool = False) -> dict[str, str]:
    """Text this viewer must never receive, with what it is (for the failure message)."""
    forbidden = {}
    for key in PATIENT_REFERENCES:
        if viewer not in matrix.PATIENT_REFERENCE_READERS[key]:
            forbidden[PATIENT_REFERENCES[key]] = f"{key.upper()}'s patient reference"
        if viewer not in matrix.CONCERN_READERS[key] and not (joined_c1 and key == "c1"):
            forbidden[IMPACT[key]] = f"{key.upper()}'s impact"
            if viewer not in matrix.JOINERS[key]:
                forbidden[WHAT_HAPPENED[key]] = f"{key.upper()}'s what happened"
    if viewer not in matrix.INTERNAL_NOTE_READERS:
        forbidden[INTERNAL_NOTE] = "C1's internal note"
    for key, name in PATIENT_NAMES.items():
        if viewer not in matrix.PATIENT_NAME_READERS[key]:
            forbidden[name.split()[-1]] = f"the 111 patient of {key.upper()}"
    return forbidden


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    return value


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _outcome(viewer: str, response) -> object:
    """The status as the matrix names it: "login" for the sign-in redirect."""
    if response.status_code == 302 and response["Location"].startswith("/accounts/sign-in/"):
        return matrix.LOGIN
    return response.status_code


@pytest.mark.parametrize("viewer", VIEWERS)
def test_access_matrix(world, viewer, db):
    ids = {**world.ids, "event_date": (timezone.localdate() - timedelta(days=2)).isoformat()}
    forbidden = _forbidden(viewer)
    joined = _forbidden(viewer, joined_c1=True)
    client = harness.client_for(world, viewer)
    failures, seen = [], {}
    for name, entry in ENTRIES.items():
        if entry.fresh_client:
            client = harness.client_for(world, viewer)
        url = _fill(entry.url, ids)
        data = json.dumps(_fill(entry.json, ids)) if entry.json is not None else _fill(entry.data, ids)
        ids["guid"] = str(uuid.uuid4())
        headers = _fill(entry.headers, ids)
        response = harness.ask(client, entry.method, url, data, headers)
        outcome = _outcome(viewer, response)
        seen[name] = outcome
        expected = entry.statuses[viewer]
        if outcome != expected:
            failures.append(f"{name} ({entry.method} {url}): expected {expected}, got {outcome}")
        body = _body(response)
        may_not_see = joined if entry.joins_c1 and outcome in (200, 201) else forbidden
        leaked = [what for text, what in may_not_see.items() if text in body]
        if leaked:
            failures.append(f"{name} ({entry.method} {url}) shows {', '.join(leaked)}")
        failures += [f"{name} ({url}): {problem}" for problem in harness.csp_problems(response, body)]
        if entry.shows_c1_patient_reference and outcome == 200:
            visible = viewer in matrix.PATIENT_REFERENCE_READERS["c1"]
            if visible and PATIENT_REFERENCES["c1"] not in body:
                failures.append(f"{name} ({url}) does not show C1's patient reference to {viewer}")
        if entry.fresh_client:
            client = harness.client_for(world, viewer)
    if os.environ.get("LIAISON_MATRIX_PRINT"):
        print(f"\n{viewer}: " + json.dumps(seen))
    assert not failures, f"{viewer}:\n  " + "\n  ".join(failures)


def test_the_forbidden_text_is_really_in_the_world(world, db):
    """The leak checks can fail: each marker is stored where a page would show it."""
    from liaison.concerns.models import Concern

    for key, concern in world.objects["concerns"].items():
        stored = Concern.objects.get(pk=concern.pk)
        assert stored.patient_reference == PATIENT_REFERENCES[key]
        assert stored.what_happened == WHAT_HAPPENED[key]
        assert stored.impact == IMPACT[key]
    assert world.objects["notification"] is not None, "routing C1 should notify T1's responder"
    client = harness.client_for(world, "reporter@own")
    page = _body(harness.ask(client, "GET", f"/111/messages/{world.ids['m1']}/"))
    assert PATIENT_NAMES["m1"].split()[-1] in page
    anonymous = harness.client_for(world, ANONYMOUS)
    assert harness.ask(anonymous, "GET", "/concerns/").status_code == 302
