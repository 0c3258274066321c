"""Debrief's production settings for the load test, with static files served under their own
names: the pages the clients read need no collectstatic run first, which would take a good
part of the load test's three minutes."""

from bench.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
