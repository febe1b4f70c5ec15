"""What a certificate says: the input, the recipient's name, and every string on the page.

The templates only place text; every decision about *what* to print (which name, which date
format, what the status mark says) is made here, in plain Python that tests can read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from backpack_desktop.domain.errors import UserFacingError
from backpack_desktop.domain.models import Award
from backpack_desktop.domain.share import public_url
from backpack_desktop.domain.status import Status, describe

PageSize = Literal["A4", "Letter"]
NAME_MISSING = "Name not provided"
NAME_MISSING_NOTE = "The issuer shared only a fingerprint of the recipient's address, not a name."
NAME_ENTERED = "Name entered at printing; not verified by the issuer"
NO_URL = "This badge has no public web address."
CRITERIA_CHARS = 300
# CLDR's "US-Letter" territories; everyone else uses A4.
LETTER_TERRITORIES = frozenset(
    ("BZ", "CA", "CL", "CO", "CR", "GT", "MX", "NI", "PA", "PH", "PR", "SV", "US", "VE")
)
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class CertificateInput:
    """One certificate to print.

    Attributes:
        award: the award.
        badge_image: cached badge image bytes (PNG, JPEG, GIF or WebP); None or undecodable
            bytes give a drawn placeholder.
        issuer_image: the issuer's image bytes, same rules.
        recipient_name: a name typed at print time (for a hashed recipient), overriding all.
        name_entered_at_print: the certificate then says the name was entered when printing.
        profile_name: the signed-in learner's name, used when the award names nobody.
    """

    award: Award
    badge_image: bytes | None = None
    issuer_image: bytes | None = None
    recipient_name: str | None = None
    name_entered_at_print: bool = False
    profile_name: str | None = None


def recipient_name(item: CertificateInput) -> tuple[str, str]:
    """The name to print and where it came from.

    Sources, first non-empty wins: ``"override"`` (typed at print time), ``"recipientProfile"``
    (the award's own recipient profile), ``"profile"`` (the signed-in learner, only for synced
    awards: an imported badge file may be someone else's), ``"identity"`` (the plain-text
    identity). A hashed identity with none of these gives ``("", "hashed")``.
    """
    award = item.award
    profile = item.profile_name if award.origin != "imported" else None
    identity = award.recipient.plaintext or (None if award.recipient.hashed else award.recipient.identity)
    for name, source in (
        (item.recipient_name, "override"),
        (award.recipient_name, "recipientProfile"),
        (profile, "profile"),
        (identity, "identity"),
    ):
        if name and name.strip():
            return name.strip(), source
    return "", "hashed"


def default_page_size(locale_name: str) -> PageSize:
    """Letter for the territories that use it (``en_US``, ``es-MX``, ``fr_CA.UTF-8``), else A4."""
    match = re.match(r"^[A-Za-z]{2,3}[_-](?:[A-Za-z]{4}[_-])?([A-Za-z]{2}|\d{3})", locale_name.strip())
    territory = match.group(1).upper() if match else ""
    return "Letter" if territory in LETTER_TERRITORIES else "A4"


def long_date(value: datetime) -> str:
    """``5 March 2026``: unambiguous in every country, and independent of the process locale."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


@dataclass(frozen=True)
class PageContent:
    """Every string on one certificate page, decided before anything is drawn.

    Attributes:
        name: the recipient's name, or :data:`NAME_MISSING` when ``name_known`` is false.
        notes: small lines under the name (how the name was obtained).
        mark: "EXPIRED" or "REVOKED" when the award is, else "".
        mark_detail: the sentence that goes with the mark (reason, expiry date).
        url: the public award URL, or "" when there is none.
    """

    name: str
    name_known: bool
    notes: tuple[str, ...]
    badge_name: str
    description: str
    issuer_name: str
    issued: str
    expires: str
    criteria: str
    url: str
    award_id: str
    printed: str
    mark: str
    mark_detail: str


def page_content(item: CertificateInput, printed_at: datetime) -> PageContent:
    """The strings for ``item``'s page, with the award's status as of ``printed_at``."""
    award = item.award
    name, source = recipient_name(item)
    notes = (NAME_MISSING_NOTE,) if source == "hashed" else ()
    if source == "override" and item.name_entered_at_print:
        notes = (NAME_ENTERED,)
    try:
        url = public_url(award)
    except UserFacingError:
        url = ""
    badge = award.badgeclass
    criteria = (badge.criteria_narrative or "").strip()
    if len(criteria) > CRITERIA_CHARS:
        criteria = criteria[:CRITERIA_CHARS].rstrip() + "\u2026"
    mark, detail = _mark(award, printed_at)
    return PageContent(
        name=name or NAME_MISSING,
        name_known=bool(name),
        notes=notes,
        badge_name=badge.name,
        description=badge.description,
        issuer_name=badge.issuer.name,
        issued=f"Issued on {long_date(award.issued_on)}",
        expires=_expiry(award, printed_at),
        criteria=criteria or (badge.criteria_url or ""),
        url=url,
        award_id=f"Award ID: {award.entity_id}",
        printed=f"Printed on {long_date(printed_at.astimezone(UTC))}",
        mark=mark,
        mark_detail=detail,
    )


def _expiry(award: Award, now: datetime) -> str:
    if award.expires is None:
        return ""
    return f"{'Expired' if award.expires < now else 'Expires'} on {long_date(award.expires)}"


def _mark(award: Award, now: datetime) -> tuple[str, str]:
    info = describe(award, now)
    if info.status is Status.REVOKED:
        reason = f" Reason: {info.reason}" if info.reason else ""
        return "REVOKED", f"This badge was revoked by its issuer.{reason}"
    if info.status is Status.EXPIRED:
        assert award.expires is not None
        return "EXPIRED", f"This badge expired on {long_date(award.expires)}."
    return "", ""
