"""Themes: groups of concerns an ICB's analysts follow, curate and act on.

A theme belongs to one ICB. Its members are concerns (one theme per concern at most), placed there
by the text model or by an analyst; an analyst's placement is never overridden by a rebuild. Labels
and key phrases come from words shared by several of the theme's concerns, never from one text
alone, and a theme never stores concern text or patient references.
"""

from django.conf import settings
from django.db import models


class ThemeStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    MERGED = "merged", "Merged into another theme"
    ARCHIVED = "archived", "Archived"


class Theme(models.Model):
    icb = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="themes")
    label = models.CharField(max_length=120)
    label_set_by_analyst = models.BooleanField(default=False)
    key_phrases = models.JSONField(default=list, blank=True)
    pinned = models.BooleanField(default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=16, choices=ThemeStatus.choices, default=ThemeStatus.ACTIVE)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    rising = models.BooleanField(default=False)
    rising_evidence = models.JSONField(default=dict, blank=True)
    rising_checked_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-pinned", "label", "id"]
        indexes = [models.Index(fields=["icb", "status"])]

    def __str__(self) -> str:
        return self.label

    @property
    def is_curated(self) -> bool:
        """Has an analyst made this theme theirs (so a rebuild keeps it even when it empties)?"""
        return self.pinned or self.label_set_by_analyst or self.owner_id is not None


class MembershipSource(models.TextChoices):
    MODEL = "model", "Placed by the text model"
    ANALYST = "analyst", "Placed by an analyst"


class ThemeMembership(models.Model):
    """A concern in a theme. An analyst's placement (``source=analyst``) survives every rebuild."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="memberships")
    concern = models.OneToOneField(
        "concerns.Concern", on_delete=models.CASCADE, related_name="theme_membership"
    )
    source = models.CharField(max_length=16, choices=MembershipSource.choices, default=MembershipSource.MODEL)
    score = models.FloatField(
        null=True, blank=True, help_text="Similarity to the theme when placed by the model."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["theme", "source"])]

    def __str__(self) -> str:
        return f"{self.concern_id} in {self.theme_id} ({self.source})"


class ActionStatus(models.TextChoices):
    AGREED = "agreed", "Agreed"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    STOPPED = "stopped", "Stopped"


class ThemeAction(models.Model):
    """An action agreed on a theme: "you said, we did"."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(max_length=500)
    owner_organisation = models.ForeignKey(
        "directory.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_person = models.CharField(max_length=120, blank=True, help_text="Name or job title.")
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=ActionStatus.choices, default=ActionStatus.AGREED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Action {self.pk} on theme {self.theme_id}"


class ThemeActionProgress(models.Model):
    action = models.ForeignKey(ThemeAction, on_delete=models.CASCADE, related_name="progress")
    note = models.CharField(max_length=1000)
    recorded_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_on", "id"]

    def __str__(self) -> str:
        return f"Progress on action {self.action_id} on {self.recorded_on}"


class ThemeEventKind(models.TextChoices):
    CREATED = "created", "Found by the text model"
    RENAMED = "renamed", "Renamed"
    MERGED = "merged", "Merged"
    SPLIT = "split", "Split"
    PINNED = "pinned", "Pinned"
    UNPINNED = "unpinned", "Unpinned"
    CONCERN_MOVED = "concern_moved", "Concern moved"
    OWNER_SET = "owner_set", "Owner changed"
    ACTION_ADDED = "action_added", "Action agreed"
    ACTION_CHANGED = "action_changed", "Action changed"
    PROGRESS_ADDED = "progress_added", "Progress recorded"
    ARCHIVED = "archived", "Archived by a rebuild"
    RISING = "rising", "Rising"


class ThemeEvent(models.Model):
    """Append-only history of a theme: every curation decision and what the model did."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=ThemeEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.theme_id} {self.kind} at {self.occurred_at:%Y-%m-%d %H:%M}"


class BuildStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    DONE = "done", "Finished"
    FAILED = "failed", "Failed"


class ThemeBuild(models.Model):
    """One full rebuild of an ICB's themes, with its progress for the themes page."""

    icb = models.ForeignKey("directory.Organisation", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=BuildStatus.choices, default=BuildStatus.QUEUED)
    step = models.CharField(max_length=120, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Theme build {self.pk} for {self.icb_id}: {self.status}"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else (100 if self.status == "done" else 0)
