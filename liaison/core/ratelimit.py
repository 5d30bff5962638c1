"""Rate limits on the endpoints that store things sent from outside: concern submission (web form and
API) and NHS 111 intake.

A fixed window counted in the shared Django cache (``LIAISON_RATE_LIMIT_CACHE``, the ``default``
cache: the database cache in production, so every web process and machine counts together). Each
limit is per identity (a user, or a 111 sending organisation), so one busy person never slows
another. Limits come from settings (``LIAISON_RATE_LIMITS``: scope → (requests, seconds)), set from
the environment; a scope with no limit, or a limit of 0, is not limited.
"""

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

logger = logging.getLogger(__name__)

CONCERN_SUBMIT = "concern_submit"
NHS111_INTAKE = "nhs111_intake"


@dataclass(frozen=True)
class Limited:
    """A request over its limit: how many were allowed in how long, and when to try again."""

    scope: str
    limit: int
    window_seconds: int
    retry_after: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}

    def wait_in_words(self) -> str:
        if self.retry_after < 60:
            return f"{self.retry_after} second{'s' if self.retry_after != 1 else ''}"
        minutes = math.ceil(self.retry_after / 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"


def parse_limit(text: str, name: str = "rate limit") -> tuple[int, int] | None:
    """ "30/60" → (30, 60): 30 requests per 60 seconds. "0" or "off" → None (no limit)."""
    from django.core.exceptions import ImproperlyConfigured

    value = (text or "").strip().lower()
    if value in ("", "0", "off", "none"):
        return None
    count, _, seconds = value.partition("/")
    try:
        limit = (int(count), int(seconds or 60))
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be REQUESTS/SECONDS, for example 30/60, or off; not {text!r}"
        ) from None
    if limit[0] < 0 or limit[1] <= 0:
        raise ImproperlyConfigured(f"{name} must be REQUESTS/SECONDS with positive numbers, not {text!r}")
    return limit if limit[0] > 0 else None


def hit(scope: str, identity: str | int, *, now: float | None = None) -> Limited | None:
    """Count one request by ``identity`` against ``scope``; a ``Limited`` if it is over the limit."""
    rule = getattr(settings, "LIAISON_RATE_LIMITS", {}).get(scope)
    if not rule:
        return None
    limit, window = rule
    now = time.time() if now is None else now
    window_start = int(now // window) * window
    key = f"liaison:ratelimit:{scope}:{identity}:{window_start}"
    cache = caches[getattr(settings, "LIAISON_RATE_LIMIT_CACHE", "default")]
    try:
        if cache.add(key, 1, timeout=window + 5):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=window + 5)
                count = 1
    except Exception:  # a cache outage must not stop people reporting: fail open, loudly
        logger.exception("Rate limit cache unavailable; %s not limited", scope)
        return None
    if count <= limit:
        return None
    retry_after = max(1, math.ceil(window_start + window - now))
    logger.warning("Rate limit reached: %s by %s (%d per %d s)", scope, identity, limit, window)
    return Limited(scope=scope, limit=limit, window_seconds=window, retry_after=retry_after)
