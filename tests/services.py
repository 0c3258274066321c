"""Tests that need a real service (Redis, PostgreSQL, Chromium) skip on a laptop without it,
but fail in CI, where a missing service must never pass silently."""

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(available: bool, what: str) -> None:
    if available:
        return
    if in_ci():
        pytest.fail(f"{what} is required in CI but is not available.", pytrace=False)
    pytest.skip(f"{what} is not available here.")
