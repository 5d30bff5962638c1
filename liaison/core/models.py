"""Core tables: the rate-limit counters and the reference-data generation."""

from django.db import models


class RateLimitCounter(models.Model):
    """One row per (scope, identity): the current fixed window and how many requests it has counted.

    Written by one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement per request
    (``liaison.core.ratelimit.hit``), so counting costs one round trip and every web process on every
    machine counts together. The table holds one row per person or sender, never one per window.
    On PostgreSQL the table is UNLOGGED (migration 0004): its commits do not wait for the disk, and
    a crash empties it, which only restarts everyone's current window.
    """

    key = models.CharField(max_length=200, primary_key=True)
    window_start = models.BigIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        db_table = "liaison_ratelimit"

    def __str__(self) -> str:
        return f"{self.key}: {self.count} since {self.window_start}"


class ReferenceGeneration(models.Model):
    """A token that database triggers change with every write to reference data.

    See ``liaison.core.reference``: web processes keep routing's reference data while the token
    stands. One row per kind of reference data (today only ``routing``).
    """

    name = models.CharField(max_length=40, primary_key=True)
    token = models.CharField(max_length=40)

    class Meta:
        db_table = "liaison_reference_generation"

    def __str__(self) -> str:
        return f"{self.name}: {self.token}"
