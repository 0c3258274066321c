"""Rows built once for a whole test module, for modules whose many tests each ask questions of
the same world: building it per test cost most of their time.

The rows are written inside a transaction that is rolled back when the module's last test has
run; each test still runs in its own transaction nested inside it (a savepoint, which the
`db` fixture rolls back), so what one test changes is gone before the next one starts."""

from contextlib import contextmanager

import pytest
from django.db import transaction
from django.test import override_settings

# The real hasher is slow by design; tests/conftest.py sets this one per test.
FAST_PASSWORD_HASHING = override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
)


@contextmanager
def rows_for_the_module(django_db_blocker, build):
    """Yields what build() returns, its rows kept until the block ends and then rolled back.
    Use from a module-scoped fixture that also asks for django_db_setup."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with FAST_PASSWORD_HASHING:
                built = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def world_fixtures(build):
    """The fixtures of a module whose tests all ask questions of what build() makes: bind them
    as `module_world, world = world_fixtures(build)`. `world` is built once for the module;
    each test that asks for it runs in a rolled-back transaction of its own."""

    @pytest.fixture(scope="module")
    def module_world(django_db_setup, django_db_blocker):
        with rows_for_the_module(django_db_blocker, build) as world:
            yield world

    @pytest.fixture
    def world(module_world, db):
        return module_world

    return module_world, world
