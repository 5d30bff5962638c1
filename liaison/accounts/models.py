"""People, their memberships of organisations with a role at each, and personal API tokens."""

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    REPORTER = "reporter", "Reporter"
    RESPONDER = "responder", "Responder"
    INTERFACE_LEAD = "interface_lead", "Interface lead"
    ICB_ANALYST = "icb_analyst", "ICB analyst"
    ADMINISTRATOR = "administrator", "Administrator"


class User(AbstractUser):
    """A member of staff. Sign-in is by username and password (argon2); later NHS CIS2 / NHSmail."""

    job_title = models.CharField(max_length=200, blank=True)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Membership(models.Model):
    """A user's role at one organisation. A user may hold several; one is current in the session."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="one_membership_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} at {self.organisation.display_name}"

    @property
    def icb(self):
        """The ICB this membership sits in (the organisation itself when it is an ICB)."""
        from liaison.directory.models import OrganisationType

        if self.organisation.org_type == OrganisationType.ICB:
            return self.organisation
        return self.organisation.icb


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="Personal token")
    prefix = models.CharField(max_length=16, help_text="The first characters, to recognise a token.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user.username})"

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
