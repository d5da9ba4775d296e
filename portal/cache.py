"""A Redis cache that degrades to process memory while Redis is unreachable.

Django's RedisCache raises on a connection error, so with Redis down every page that counts a login
attempt, throttles an API call or remembers an autosave's editor answered 500. Nothing the portal
keeps in the cache is needed for correctness (sessions live in the database): while Redis is away
this backend logs one warning and serves each process from its own memory, so rate limits still
count (per process) and allauth's cache locks still work. django-redis's IGNORE_EXCEPTIONS is not
enough: its `add` then answers "not added", and allauth reads that as a held lock and refuses the
login.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Methods of the cache API that talk to Redis; the rest of BaseCache is built on these.
_REDIS_METHODS = (
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


# Per process and Redis location: when Redis was found down, and until when it is left alone.
# Django makes a cache object per thread; the outage (and its one log line) is the process's.
_down_until: dict[str, float] = {}
_state_lock = threading.Lock()


class ResilientRedisCache(RedisCache):
    """RedisCache that falls back to a local-memory cache while Redis fails.

    After a failure Redis is left alone for `RETRY_AFTER_SECONDS` (a page makes several cache
    calls; each should not wait for a dead server), then tried again.
    """

    RETRY_AFTER_SECONDS = 5.0

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**_DEFAULT_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._location = str(server)
        fallback_params = {key: value for key, value in params.items() if key != "OPTIONS"}
        # LocMemCache objects of one name share their memory: one fallback per process.
        self._fallback = LocMemCache(f"redis-fallback:{server}", fallback_params)

    def _redis_is_resting(self) -> bool:
        return time.monotonic() < _down_until.get(self._location, 0.0)

    def _failed(self, method: str, error: Exception) -> None:
        with _state_lock:
            first = self._location not in _down_until
            _down_until[self._location] = time.monotonic() + self.RETRY_AFTER_SECONDS
        if first:
            logger.warning(
                "Redis cache unreachable (%s: %s); using this process's memory until it is back",
                method,
                error,
            )

    def _recovered(self) -> None:
        with _state_lock:
            was_down = _down_until.pop(self._location, None) is not None
        if was_down:
            logger.warning("Redis cache reachable again")


def _degrading(name: str):
    redis_method = getattr(RedisCache, name)
    fallback_method = getattr(LocMemCache, name)

    def method(self, *args, **kwargs):
        if not self._redis_is_resting():
            try:
                result = redis_method(self, *args, **kwargs)
            except RedisError as error:
                self._failed(name, error)
            else:
                if self._location in _down_until:
                    self._recovered()
                return result
        return fallback_method(self._fallback, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = redis_method.__doc__
    return method


for _name in _REDIS_METHODS:
    setattr(ResilientRedisCache, _name, _degrading(_name))

# A Redis that does not answer (a dropped network, not a refused port) must not hold a page for
# long: give up after a second and use the fallback.
_DEFAULT_OPTIONS = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
