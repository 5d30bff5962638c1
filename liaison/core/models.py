"""Core tables: the rate-limit counters."""

from django.db import models


class RateLimitCounter(models.Model):
    """One row per (scope, identity): the current fixed window and how many requests it has counted.

    Written by one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement per request
    (``liaison.core.ratelimit.hit``), so counting costs one round trip and every web process on every
    machine counts together. The table holds one row per person or sender, never one per window.
    """

    key = models.CharField(max_length=200, primary_key=True)
    window_start = models.BigIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        db_table = "liaison_ratelimit"

    def __str__(self) -> str:
        return f"{self.key}: {self.count} since {self.window_start}"
