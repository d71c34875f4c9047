"""Counting attempts in the cache, for throttles (joining with a code, logging in).

A count lives for `window` seconds from its first failure; a full window without a new first
failure starts again at zero. `take` is a token bucket for things that may succeed often, but
not too fast. With REDIS_URL the counts are shared by all workers.
"""

from django.core.cache import cache


def failures(key: str) -> int:
    return cache.get(key, 0)


def record_failure(key: str, window: int) -> int:
    """Count one; returns the count so far in this window."""
    if cache.add(key, 1, window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window)
        return 1


def forget(key: str) -> None:
    cache.delete(key)


def take(key: str, *, capacity: int, per_second: float, now: float) -> bool:
    """Take one from a token bucket of `capacity` that refills `per_second`; False when empty.

    Stored as one number, the time (in ms) at which the bucket would be full again (GCRA), so
    that a claim is one atomic increment: parallel requests cannot all take the last token. A
    refused claim is given back. Only when the bucket was full does a claim set the value, and
    a race there lets at most the racing requests through, once.
    """
    step = max(1, round(1000 / per_second))
    now_ms = int(now * 1000)
    # Idle longer than this, the bucket is full again: the key may go.
    ttl = int(capacity * step / 1000) + 60
    cache.add(key, now_ms, ttl)
    try:
        full_at = cache.incr(key, step)
    except ValueError:  # expired between add and incr: a full bucket
        cache.add(key, now_ms + step, ttl)
        return True
    if full_at - step < now_ms:  # it was full: count from now
        cache.set(key, now_ms + step, ttl)
        return True
    if full_at - now_ms > capacity * step:
        cache.decr(key, step)
        return False
    cache.touch(key, ttl)
    return True
