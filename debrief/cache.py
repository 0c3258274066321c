"""Django's Redis cache, made to survive a Redis outage: while Redis cannot be reached, every
operation goes to a cache in the web process's own memory instead, so pages are computed
afresh rather than failing, and sign-in throttling (debrief/login.py) goes on counting, per
process, as it does without Redis at all. Nothing Debrief keeps in the cache is its only
copy (sessions are in the database).

Only a connection that fails or times out falls back: any other answer from Redis (a wrong
password, a full or read-only server) is a misconfiguration to see, not to hide. After a
failure the process leaves Redis alone for PAUSE_SECONDS, so that each operation does not
wait for the connection timeout again."""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
PAUSE_SECONDS = 30

OPERATIONS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


class ReusingRedisCacheClient(RedisCacheClient):
    """Django makes a new redis.Redis for every operation, and its constructor fills a table
    of some 170 reply handlers: more of a cache read's time than the round trip. One client
    per connection pool serves every thread instead (each command takes a connection from the
    pool, as before)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._fallback = LocMemCache(f"debrief-redis-fallback-{id(self)}", {})
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _redis_is_paused(self) -> bool:
        return time.monotonic() < self._down_until

    def _pause(self, operation: str, error: Exception) -> None:
        with self._lock:
            self._down_until = time.monotonic() + PAUSE_SECONDS
        logger.warning(
            "Redis is unreachable (%s: %s); the cache is this process's own for %s s.",
            operation,
            error,
            PAUSE_SECONDS,
        )


def _tolerant(name: str):
    through_redis = getattr(RedisCache, name)

    def call(self, *args, **kwargs):
        if not self._redis_is_paused():
            try:
                return through_redis(self, *args, **kwargs)
            except UNREACHABLE as error:
                self._pause(name, error)
        return getattr(self._fallback, name)(*args, **kwargs)

    call.__name__ = name
    call.__doc__ = through_redis.__doc__
    return call


for _name in OPERATIONS:
    setattr(TolerantRedisCache, _name, _tolerant(_name))
