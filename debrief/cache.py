"""Django's Redis cache, made to survive a Redis outage: every operation that cannot reach
Redis logs a warning and answers as a cache that holds nothing, so pages are computed afresh
instead of failing. Nothing Debrief keeps in the cache is its only copy (sessions are in the
database); while Redis is down, sign-in throttling (debrief/login.py) counts nothing, and
the learning pages compute their figures on every view."""

import logging
from functools import wraps

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _tolerant(answer_when_down):
    def decorate(method):
        @wraps(method)
        def call(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except RedisError as error:
                logger.warning("The cache is unavailable (%s): %s", method.__name__, error)
                return answer_when_down(*args, **kwargs)

        return call

    return decorate


def _missing(key, *args, **kwargs):
    # As for a key the cache does not hold; login.py starts its count afresh on it.
    raise ValueError(f"Key {key!r} not found: the cache is unavailable.")


class TolerantRedisCache(RedisCache):
    add = _tolerant(lambda *args, **kwargs: False)(RedisCache.add)
    get = _tolerant(lambda key, default=None, *args, **kwargs: default)(RedisCache.get)
    set = _tolerant(lambda *args, **kwargs: None)(RedisCache.set)
    touch = _tolerant(lambda *args, **kwargs: False)(RedisCache.touch)
    delete = _tolerant(lambda *args, **kwargs: False)(RedisCache.delete)
    get_many = _tolerant(lambda *args, **kwargs: {})(RedisCache.get_many)
    has_key = _tolerant(lambda *args, **kwargs: False)(RedisCache.has_key)
    incr = _tolerant(_missing)(RedisCache.incr)
    set_many = _tolerant(lambda data, *args, **kwargs: list(data))(RedisCache.set_many)
    delete_many = _tolerant(lambda *args, **kwargs: None)(RedisCache.delete_many)
    clear = _tolerant(lambda *args, **kwargs: False)(RedisCache.clear)
