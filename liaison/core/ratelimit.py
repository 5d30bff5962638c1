"""Rate limits on the endpoints that store things sent from outside: concern submission (web form and
API) and NHS 111 intake.

A fixed window counted in the database (``RateLimitCounter``), in one upsert statement per request, so
every web process and machine counts together at the cost of one round trip. Each
limit is per identity (a user, or a 111 sending organisation), so one busy person never slows
another. Limits come from settings (``LIAISON_RATE_LIMITS``: scope → (requests, seconds)), set from
the environment; a scope with no limit, or a limit of 0, is not limited.
"""

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection

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
    now = _now() if now is None else now
    window_start = int(now // window) * window
    try:
        count = _count(f"{scope}:{identity}", window_start)
    except DatabaseError:  # counting must not stop people reporting: fail open, loudly
        logger.exception("Rate limit counter unavailable; %s not limited", scope)
        return None
    if count <= limit:
        return None
    retry_after = max(1, math.ceil(window_start + window - now))
    logger.warning("Rate limit reached: %s by %s (%d per %d s)", scope, identity, limit, window)
    return Limited(scope=scope, limit=limit, window_seconds=window, retry_after=retry_after)


def _now() -> float:
    """The clock the windows are counted on (a function, so tests can hold it still)."""
    return time.time()


# One statement: a new row, a new window (count back to 1) or one more in the same window. PostgreSQL
# and SQLite (3.35 and later) both support ON CONFLICT … DO UPDATE … RETURNING.
_UPSERT = (
    "INSERT INTO liaison_ratelimit (key, window_start, count) VALUES (%s, %s, 1) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN liaison_ratelimit.window_start = excluded.window_start "
    "THEN liaison_ratelimit.count + 1 ELSE 1 END, "
    "window_start = excluded.window_start "
    "RETURNING count"
)


def _count(key: str, window_start: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [key, window_start])
        return cursor.fetchone()[0]
