"""Counting failed attempts in the cache, for throttles (joining with a code, logging in).

A count lives for `window` seconds from its first failure; a full window without a new first
failure starts again at zero. With REDIS_URL the counts are shared by all workers.
"""

from django.core.cache import cache


def failures(key: str) -> int:
    return cache.get(key, 0)


def record_failure(key: str, window: int) -> None:
    if cache.add(key, 1, window):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window)


def forget(key: str) -> None:
    cache.delete(key)
