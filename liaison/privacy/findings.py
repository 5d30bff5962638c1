"""What the PID guard reports: findings with a kind, a severity, where they are and a masked form.

A finding never holds the text it matched, only a masked form, so that logging, printing or
serialising a finding cannot leak the identifier it found.
"""

from dataclasses import dataclass, field
from enum import StrEnum

MASK = "\u2022"  # •


class Kind(StrEnum):
    NHS_NUMBER = "nhs_number"
    POSTCODE = "postcode"
    EMAIL = "email"
    PHONE = "phone"
    DATE_OF_BIRTH = "date_of_birth"
    PERSONAL_NAME = "personal_name"
    FULL_DATE = "full_date"


class Severity(StrEnum):
    BLOCK = "block"  # must be removed before the text is saved
    WARN = "warn"  # saved only once the user confirms it is not a patient's name or date of birth


SEVERITY = {
    Kind.NHS_NUMBER: Severity.BLOCK,
    Kind.POSTCODE: Severity.BLOCK,
    Kind.EMAIL: Severity.BLOCK,
    Kind.PHONE: Severity.BLOCK,
    Kind.DATE_OF_BIRTH: Severity.BLOCK,
    Kind.PERSONAL_NAME: Severity.WARN,
    Kind.FULL_DATE: Severity.WARN,
}

_REMOVE = "Remove it: Liaison must not hold information that identifies a patient."

_MESSAGES = {
    Kind.NHS_NUMBER: "This contains an NHS number ({masked}). "
    + _REMOVE
    + " Use the local patient reference field for the practice or hospital number.",
    Kind.POSTCODE: "This contains a postcode ({masked}). "
    + _REMOVE
    + " If the place matters, name the practice, hospital or ward instead.",
    Kind.EMAIL: "This contains an email address ({masked}). "
    + _REMOVE
    + " Contact details for organisations are in the directory.",
    Kind.PHONE: "This contains a phone number ({masked}). "
    + _REMOVE
    + " Bleep and extension numbers are fine; contact details for organisations are in the directory.",
    Kind.DATE_OF_BIRTH: "This contains a date of birth ({masked}). "
    + _REMOVE
    + " If age matters clinically, give the age in years instead.",
    Kind.PERSONAL_NAME: "This may be a person's name ({masked}). If it is a patient's name, remove it and use "
    "the local patient reference field instead. If it is a colleague, consider naming their role instead. "
    "If it is not a patient's name, confirm that to continue.",
    Kind.FULL_DATE: "This contains a full date ({masked}). If it is a patient's date of birth, remove it. "
    "If it is another date, such as an appointment or discharge date, confirm that to continue.",
}


def message_for(kind: Kind, masked: str) -> str:
    """The plain-English sentence shown to the user: what was found and what to do."""
    return _MESSAGES[kind].format(masked=masked)


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing found: ``text[start:end]`` of the scanned text is the matched span."""

    kind: Kind
    severity: Severity
    start: int
    end: int
    masked: str
    message: str

    @classmethod
    def make(cls, kind: Kind, start: int, end: int, masked: str) -> "Finding":
        return cls(kind, SEVERITY[kind], start, end, masked, message_for(kind, masked))


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything found in one text, in order of position."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        """True when the text must not be saved as it is."""
        return any(finding.severity is Severity.BLOCK for finding in self.findings)

    @property
    def blocks(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity is Severity.BLOCK]

    @property
    def warnings(self) -> list[Finding]:
        """Findings the user may confirm (for example "this is not a patient's name")."""
        return [finding for finding in self.findings if finding.severity is Severity.WARN]

    @property
    def clean(self) -> bool:
        """True when nothing was found at all."""
        return not self.findings


# --- Masking: enough for the user to recognise what was found, never the whole identifier. ---


def mask_characters(text: str, keep_start: int, keep_end: int) -> str:
    """Mask every letter and digit except the first ``keep_start`` and the last ``keep_end``.

    Separators (spaces, dashes, slashes) stay, so the masked form keeps the shape the user typed:
    ``943 476 5919`` → ``943 ••• ••19``.
    """
    positions = [index for index, char in enumerate(text) if char.isalnum()]
    if len(positions) <= keep_start + keep_end:
        # Too short to show anything safely.
        keep_start, keep_end = 0, 0
    shown = set(positions[:keep_start]) | set(positions[len(positions) - keep_end :] if keep_end else [])
    return "".join(char if index in shown or not char.isalnum() else MASK for index, char in enumerate(text))


def mask_digits(text: str, keep_start: int, keep_end: int) -> str:
    """Like ``mask_characters`` but counting digits only, so "+44" style prefixes stay readable."""
    positions = [index for index, char in enumerate(text) if char.isdigit()]
    shown = set(positions[:keep_start]) | set(positions[len(positions) - keep_end :])
    return "".join(MASK if char.isdigit() and index not in shown else char for index, char in enumerate(text))


def mask_postcode(text: str) -> str:
    """The outward code only: ``L7 8XP`` → ``L7 •••``; ``BFPO 1234`` → ``BFPO •••``."""
    compact = "".join(text.split()).upper()
    if compact.startswith("BFPO"):
        return f"BFPO {MASK * 3}"
    return f"{compact[:-3]} {MASK * 3}"


def mask_email(local: str, domain: str) -> str:
    """The first character of the mailbox and a short top-level domain: ``j•••@•••.net``."""
    top_level = domain.rstrip(".").rsplit(".", 1)[-1].lower() if "." in domain else ""
    tail = f".{top_level}" if 2 <= len(top_level) <= 4 else ""
    return f"{local[:1]}{MASK * 3}@{MASK * 3}{tail}"


def mask_name(title: str, names: list[str]) -> str:
    """Title and initials only: ``Mrs Jane Smith`` → ``Mrs J••• S•••``."""
    masked = " ".join(f"{name[:1]}{MASK * 3}" for name in names)
    return f"{title} {masked}".strip()
