"""Short-lived caching of the learning pages' figures (LEARNING_CACHE_SECONDS, in Django's
cache: per process by default, shared with REDIS_URL).

A figure over a period that includes today cannot be stored for good like a completed week
(learning.weekly), but most page views repeat the one before. The cache keys carry a
generation that every write to the deployments and incidents replaces (learning.signals), so
a process never reads figures older than its own last write; other processes may for up to
LEARNING_CACHE_SECONDS with the per-process cache, none with a shared one."""

from collections.abc import Callable
from uuid import uuid4

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

GENERATION = "learning:generation"


def new_generation() -> None:
    """Every cached learning figure is out of date: read none of them again."""
    cache.set(GENERATION, uuid4().hex, timeout=None)


def _generation() -> str:
    return cache.get_or_set(GENERATION, uuid4().hex, timeout=None)


def cached[T](name: str, parts: tuple, compute: Callable[[], T]) -> T:
    """`compute()`, or its value from the cache when the same `name` and `parts` (values whose
    str tells them apart) were computed less than LEARNING_CACHE_SECONDS ago, in the current
    generation and time zone."""
    seconds = settings.LEARNING_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    key = ":".join(
        [
            "learning",
            name,
            _generation(),
            timezone.get_default_timezone_name(),
            *(str(part) for part in parts),
        ]
    )
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=seconds)
    return value
