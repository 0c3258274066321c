"""Tokens for the API tests, and a client that speaks JSON with one of them: the Payments team's
token (made by alice, its admin) and the Platform team's."""

import json

import pytest
from django.test import Client

from integrations.tokens import token_create


class ApiClient:
    """Django's test client, signed in to nothing, sending a bearer token and JSON bodies."""

    def __init__(self, secret: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, params: dict | None = None):
        return self.client.get(path, params or {}, headers=self.headers)

    def post(self, path: str, body):
        return self._send("post", path, body)

    def patch(self, path: str, body):
        return self._send("patch", path, body)

    def _send(self, method: str, path: str, body):
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return getattr(self.client, method)(
            path, data, content_type="application/json", headers=self.headers
        )


@pytest.fixture
def payments_token(alice_admin, payments):
    return token_create(team=payments, name="pagerduty-bridge", by=alice_admin)


@pytest.fixture
def platform_token(platform):
    return token_create(team=platform, name="platform-ci", by=None)


@pytest.fixture
def payments_api(payments_token):
    return ApiClient(payments_token.secret)


@pytest.fixture
def platform_api(platform_token):
    return ApiClient(platform_token.secret)


def fields_named(response) -> set[str]:
    """The fields a 422 answer names: the last part of each error's location."""
    assert response.status_code == 422, response.content
    return {str(error["loc"][-1]) for error in response.json()["detail"]}
