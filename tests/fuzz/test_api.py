"""The API's writes with what its schema-driven fuzz (tests/integrations/test_api_fuzz.py)
rarely sends: odd Unicode, huge bodies, moments in every offset and order, other teams'
slugs and incidents. Whatever is sent, the answer is JSON below 500, a refusal writes
nothing, and an accepted request leaves only valid rows."""

import json
import os
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from .checks import HYPOTHESIS, check_response, snapshot, watched, wrote
from .strategies import AGES, FAR_MOMENTS, OFFSETS, numbers, texts

# FUZZ_SCALE shrinks the examples for a second database's pass (.ci/run).
EXAMPLES = max(5, round(40 * float(os.environ.get("FUZZ_SCALE", "1"))))


def _moments():
    now = timezone.now()
    offsets = [offset for offset in OFFSETS if offset] + ["+15:59", "-15:59"]
    return st.one_of(
        st.builds(
            lambda age, offset: (now - age).replace(tzinfo=None).isoformat() + offset,
            st.sampled_from(AGES),
            st.sampled_from(offsets),
        ),
        st.sampled_from(FAR_MOMENTS),
        st.sampled_from(
            [
                f"{year}-06-01T10:00:00{offset}"
                for year in (1, 1999, 2000, 9000, 9001, 9999)
                for offset in ("Z", "+14:00", "-23:59")
            ]
        ),
    )


def _past():
    """Moments a client would send: the last few hours, in UTC or with an offset."""
    now = timezone.now()
    return st.builds(
        lambda minutes, offset: (
            (now - timedelta(minutes=minutes)).replace(tzinfo=None).isoformat(timespec="seconds")
            + offset
        ),
        st.integers(min_value=5, max_value=600),
        st.sampled_from(["Z", "+00:00"]),
    )


def _json(plausible):
    """Mostly plausible values; otherwise anything JSON can carry, or nothing at all."""
    anything = st.one_of(
        texts,
        numbers,
        st.integers(min_value=-(2**70), max_value=2**70),
        st.none(),
        st.booleans(),
        st.lists(texts, max_size=3),
        st.dictionaries(texts, texts, max_size=2),
        _moments(),
    )
    return st.one_of(plausible, plausible, plausible, plausible, plausible, anything)


def _object(fields: dict, required=()):
    """A JSON object: each field left out now and then (never those `required`)."""

    @st.composite
    def build(draw):
        body = {}
        for name, strategy in fields.items():
            if name in required or draw(st.integers(min_value=0, max_value=4)):
                body[name] = draw(strategy, label=name)
        return body

    return build()


def _slugs(world):
    return st.sampled_from([world.checkout.slug, world.search.slug, "no-such-service", ""])


def _incident_fields(world):
    return {
        "title": _json(st.sampled_from(["Card payments failing", " Padded  "])),
        "severity": _json(st.integers(min_value=1, max_value=4)),
        "services": _json(st.lists(_slugs(world), min_size=1, max_size=3)),
        "summary": _json(st.just("Queue full.")),
        "customer_impact": _json(st.just("Payments declined.")),
        "commander": _json(st.sampled_from(["alice", "bob", "nobody", None])),
        "started_at": _json(_past()),
        "detected_at": _json(_past()),
        "is_drill": _json(st.booleans()),
    }


def _changes_fields(world):
    return {
        **{k: v for k, v in _incident_fields(world).items() if k not in {"is_drill"}},
        "status": _json(st.sampled_from(["investigating", "identified", "monitoring", "resolved"])),
        "restored_at": _json(_past()),
        "resolved_at": _json(_past()),
        "note": _json(st.sampled_from(["", "Rolled back", "  "])),
    }


def _deployment_fields(world):
    commit = _object(
        {
            "sha": _json(st.sampled_from(["3f2c1ab", "abcdef0123456789", "zz", "A" * 64])),
            "committed_at": _json(_past()),
        },
        required=("sha",),
    )
    return {
        "service": _json(_slugs(world)),
        "version": _json(st.sampled_from(["v42", "2026.11.28-1"])),
        "environment": _json(st.sampled_from(["production", "staging"])),
        "deployed_at": _json(_past()),
        "outcome": _json(st.sampled_from(["succeeded", "failed", "rolled_back"])),
        "commits": _json(st.lists(commit, max_size=3)),
        "external_id": _json(st.sampled_from(["", "run-1", "run-2"])),
    }


def _requests(world):
    """(method, path, JSON body) for each write of the API."""
    incidents = st.sampled_from(
        [world.incident.pk, world.resolved.pk, world.other_incident.pk, 2_000_000_000]
    )
    declare = st.tuples(
        st.just("POST"),
        st.just("/api/incidents"),
        _object(_incident_fields(world), required=("title", "severity", "services")),
    )
    change = st.tuples(
        st.just("PATCH"),
        incidents.map(lambda pk: f"/api/incidents/{pk}"),
        _object(_changes_fields(world)),
    )
    event = st.tuples(
        st.just("POST"),
        incidents.map(lambda pk: f"/api/incidents/{pk}/events"),
        _object(
            {
                "body": _json(st.sampled_from(["Rolled back v41", "   "])),
                "occurred_at": _json(_past()),
            },
            required=("body",),
        ),
    )
    deployment = st.tuples(
        st.just("POST"),
        st.just("/api/deployments"),
        _object(_deployment_fields(world), required=("service", "version")),
    )
    return st.one_of(declare, change, event, deployment)


HUGE = st.sampled_from([3_000_000, 100_000]).map(lambda size: "x" * size)


@pytest.mark.parametrize("huge", [False, True], ids=["odd", "huge"])
def test_no_api_write_makes_a_server_error_or_a_partial_write(world, huge):
    client = Client()
    headers = {"Authorization": f"Bearer {world.token.secret}"}
    # The token's first use is recorded; later ones within the hour write nothing.
    assert client.get("/api/incidents", headers=headers).status_code == 200
    rows = snapshot()

    @settings(max_examples=EXAMPLES if not huge else 8, **HYPOTHESIS)
    @given(request=_requests(world), padding=HUGE if huge else st.none())
    def check(request, padding):
        method, path, body = request
        if padding is not None:
            body = {**body, "title": padding, "body": padding, "version": padding}
        what = (method, path, json.dumps(body)[:500])
        with transaction.atomic():
            with watched() as (queries, errors):
                response = client.generic(
                    method,
                    path,
                    json.dumps(body),
                    content_type="application/json",
                    headers=headers,
                )
            assert not errors, [record.getMessage() for record in errors]
            assert response["Content-Type"].startswith("application/json"), what
            check_response(response, rows, snapshot() if wrote(queries) else rows, what)
            transaction.set_rollback(True)

    check()
