"""Property tests: checking never raises on any JSON, and always answers with a valid OperationOutcome."""

import copy

from fhir.resources.R4B.operationoutcome import OperationOutcome
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liaison.nhs111.checking import message_check
from liaison.nhs111.samples import pem_stu3, referral_r4

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
TEMPLATES = [referral_r4(), pem_stu3()]


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


PATHS = [list(_paths(template)) for template in TEMPLATES]


def _assert_valid_outcome(result) -> None:
    outcome = result.operation_outcome()
    OperationOutcome.model_validate(outcome)
    for issue in result.errors:
        assert issue.expression.startswith("Bundle"), issue


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_any_json_at_all_is_answered_not_raised(value):
    _assert_valid_outcome(message_check(value))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([0, 1]), st.data(), JSON)
def test_a_message_with_any_element_replaced_is_answered_not_raised(which, data, replacement):
    bundle = copy.deepcopy(TEMPLATES[which])
    path = data.draw(st.sampled_from(PATHS[which]))
    target = bundle
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = replacement
    _assert_valid_outcome(message_check(bundle))
