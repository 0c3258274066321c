"""Requests generated from the API's own OpenAPI schema, valid and invalid, with a valid token:
whatever is sent, the API answers below 500, and every 4xx answer is JSON."""

import json
from urllib.parse import urlencode

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.core import NOT_SET

from incidents import services
from integrations.api import api

SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
# Enough to reach every field of every operation; small enough to stay well under a minute.
EXAMPLES = 25


def _send(client: Client, case, secret: str):
    path = case.formatted_path
    if case.query:
        path += "?" + urlencode(case.query, doseq=True)
    if case.body is NOT_SET:
        body = b""
    elif isinstance(case.body, bytes):
        # Negative generation sends raw bytes too: not JSON at all.
        body = case.body
    else:
        body = json.dumps(case.body)
    return client.generic(
        case.method,
        path,
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_no_request_makes_the_api_fail(operation, mode, payments_token, checkout, alice):
    # Something to find: generated ids and slugs sometimes hit these.
    services.incident_declare(title="Down", severity=2, services=[checkout], reporter=alice)
    client = Client()

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        response = _send(client, case, payments_token.secret)
        assert response.status_code < 500, (case.method, case.formatted_path, case.body)
        if response.status_code != 404 or response["Content-Type"].startswith("application/json"):
            assert response["Content-Type"].startswith("application/json"), response.content
            assert response.json() is not None

    check()
