"""Whatever a sender posts, correctly signed, an endpoint answers without a server error, and a
refused request leaves nothing behind."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.models import Deployment, Incident, TimelineEvent
from webhooks.models import CommitTime, Delivery, ExternalIncident, Route

from .conftest import ago
from .formats import alert, alert_group, deployment_status, pagerduty_event, workflow_run

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
times = st.sampled_from(
    [
        "2026-01-05T10:00:00Z",
        "0001-01-01T00:00:00Z",
        "1999-12-31T23:59:59+01:00",
        "9999-12-31T23:59:59-23:59",
        "2020-02-30T00:00:00Z",
        "not a time",
        "",
    ]
)
HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _rows() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (
            Delivery,
            Incident,
            TimelineEvent,
            Deployment,
            ExternalIncident,
            CommitTime,
            Route,
        )
    )


def _check(hook, payload=None, *, raw=None, headers=None):
    before = _rows()
    response = hook.post(payload, raw=raw, headers=headers)
    assert response.status_code < 500, response.content
    assert response["Content-Type"] == "application/json"
    if response.status_code >= 400:
        assert "error" in response.json()
        assert _rows() == before, "a refused request wrote something"


def _mutated(payload: dict, path: list[str], value) -> dict:
    """The payload with the field at `path` (as far as it exists) replaced by `value`."""
    copy = json.loads(json.dumps(payload))
    node = copy
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            break
        node = node[key]
    node[path[-1]] = value
    return copy


@pytest.fixture
def documented(db):
    start = ago(minutes=30)
    return {
        "alertmanager": alert_group(alert(starts_at=start)),
        "pagerduty": pagerduty_event("incident.triggered", occurred_at=start, created_at=start),
        "github": deployment_status(state="success", created_at=start),
        "github-run": workflow_run(conclusion="success", updated_at=start, committed_at=start),
        "generic": {
            "id": "e",
            "type": "incident.triggered",
            "service": "checkout",
            "key": "k",
            "occurred_at": "2026-01-05T10:00:00Z",
        },
    }


FIELDS = {
    "alertmanager": [
        ["status"],
        ["groupKey"],
        ["alerts"],
        ["commonLabels"],
        ["commonAnnotations"],
        ["version"],
    ],
    "pagerduty": [
        ["event", "id"],
        ["event", "event_type"],
        ["event", "occurred_at"],
        ["event", "data"],
        ["event", "data", "id"],
        ["event", "data", "service"],
        ["event", "data", "priority"],
        ["event", "data", "created_at"],
    ],
    "github": [
        ["deployment", "id"],
        ["deployment", "sha"],
        ["deployment", "environment"],
        ["deployment_status", "state"],
        ["deployment_status", "created_at"],
        ["repository"],
    ],
    "generic": [["id"], ["type"], ["service"], ["key"], ["severity"], ["occurred_at"], ["title"]],
}


@HYPOTHESIS
@given(body=st.binary(max_size=200) | json_values.map(lambda value: json.dumps(value).encode()))
@pytest.mark.parametrize("kind", ["alertmanager", "pagerduty", "github", "generic"])
def test_any_body_gets_a_json_answer_below_500(request, kind, body):
    hook = request.getfixturevalue(kind)
    _check(
        hook, raw=body, headers={"X-GitHub-Event": "deployment_status", "X-GitHub-Delivery": "x"}
    )


@HYPOTHESIS
@given(data=st.data(), value=json_values | times)
@pytest.mark.parametrize("kind", ["alertmanager", "pagerduty", "github", "generic"])
def test_a_documented_payload_with_any_field_changed_gets_no_server_error(
    request, documented, kind, data, value
):
    hook = request.getfixturevalue(kind)
    path = data.draw(st.sampled_from(FIELDS[kind]))
    payload = _mutated(documented[kind], path, value)
    delivery = data.draw(st.from_regex(r"[A-Za-z0-9-]{1,10}", fullmatch=True), label="delivery")
    _check(
        hook,
        payload,
        headers={"X-GitHub-Event": "deployment_status", "X-GitHub-Delivery": delivery},
    )


@HYPOTHESIS
@given(value=json_values | times, field=st.sampled_from(["conclusion", "head_sha", "updated_at"]))
def test_a_workflow_run_with_any_field_changed_gets_no_server_error(
    github, documented, value, field
):
    payload = _mutated(documented["github-run"], ["workflow_run", field], value)
    _check(github, payload, headers={"X-GitHub-Event": "workflow_run", "X-GitHub-Delivery": "run"})
