"""Open Badges 3.0 credentials: proof (VC-JWT or Data Integrity), dates, status, recipient.

Accepts both VC Data Model 2.0 (``validFrom``/``validUntil``) and 1.1 (``issuanceDate``/
``expirationDate``, the ``vc`` claim of older VC-JWTs). A ``credentialStatus`` that cannot be
read leaves the revocation status unknown, which keeps the badge from being "verified": a
wallet that says "not revoked" without having looked is the failure this module exists to
avoid (Learner Credential Wallet issue 642).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from backpack_desktop.domain.badgefile import BadgeFile
from backpack_desktop.domain.verify.data_integrity import verify_proofs
from backpack_desktop.domain.verify.ob3_jwt import verify_vc_jwt
from backpack_desktop.domain.verify.recipient import check_recipient, identities_ob3
from backpack_desktop.domain.verify.resolver import Fetcher, Unavailable
from backpack_desktop.domain.verify.result import CheckList
from backpack_desktop.domain.verify.revocation import LIST_KEYS, find_revoked, sentence
from backpack_desktop.domain.verify.timecheck import check_dates

_CURRENT_CONTEXT: Final = re.compile(r"https://purl\.imsglobal\.org/spec/ob/v3p0/context-3\.\d+\.\d+\.json")
_OLD_CONTEXTS: Final = (
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld",
)
_REVOCATION_LIST: Final = "1EdTechRevocationList"
STATUS_OFFLINE: Final = "Revocation status unknown (offline): the issuer's status list could not be fetched."


def verify_ob3(badge: BadgeFile, fetcher: Fetcher, now: datetime, emails: Sequence[str]) -> CheckList:
    """Run every check for a 3.0 credential."""
    found = CheckList()
    credential = badge.document
    kinds = credential.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "VerifiableCredential" not in kinds or not {"OpenBadgeCredential", "AchievementCredential"} & set(
        kinds
    ):
        found.failed("type", "This file is not an Open Badges credential.")
        return found
    if badge.form == "vc-jwt":
        verify_vc_jwt(found, badge, fetcher)
    else:
        verify_proofs(found, credential, fetcher)
    check_context(found, credential)
    start = credential.get("validFrom", credential.get("issuanceDate", badge.jws_claims.get("nbf")))
    end = credential.get("validUntil", credential.get("expirationDate", badge.jws_claims.get("exp")))
    check_dates(found, start, end, now)
    check_status(found, credential, fetcher)
    check_recipient(found, identities_ob3(credential.get("credentialSubject")), emails)
    return found


def check_context(found: CheckList, credential: dict[str, Any]) -> None:
    """Warn (never fail) about an outdated or unrecognised Open Badges context."""
    context = credential.get("@context")
    names = [c for c in (context if isinstance(context, list) else [context]) if isinstance(c, str)]
    if any(_CURRENT_CONTEXT.fullmatch(name) for name in names):
        found.passed("context", "The credential uses a current Open Badges 3.0 context.", essential=False)
    elif any(name in _OLD_CONTEXTS for name in names):
        found.note("context", "The credential uses an outdated Open Badges 3.0 context.")
    else:
        found.note("context", "The credential does not use a recognised Open Badges 3.0 context.")


def check_status(found: CheckList, credential: dict[str, Any], fetcher: Fetcher) -> None:
    """Look the credential up in its issuer's status list; unknown whenever it cannot be read."""
    status = credential.get("credentialStatus")
    if status is None:
        found.passed("revocation", "The issuer publishes no revocation status for it.", essential=False)
        return
    entries = [s for s in (status if isinstance(status, list) else [status]) if isinstance(s, dict)]
    if not entries or any(entry.get("type") != _REVOCATION_LIST for entry in entries):
        kinds = ", ".join(sorted({str(e.get("type")) for e in entries})) or "unreadable"
        found.unchecked(
            "revocation", f"Revocation status unknown: this kind of status list is not supported ({kinds})."
        )
        return
    ids = {credential["id"]} if isinstance(credential.get("id"), str) else set()
    for entry in entries:
        try:
            listing = fetcher.document(str(entry.get("id")))
        except Unavailable:
            found.unchecked("revocation", STATUS_OFFLINE)
            return
        revoked_ids = next((listing[k] for k in LIST_KEYS if isinstance(listing.get(k), list)), None)
        if revoked_ids is None:
            found.unchecked(
                "revocation", "Revocation status unknown: the issuer's status list cannot be read."
            )
            return
        revoked = find_revoked(revoked_ids, ids)
        if revoked is not None:
            found.revoked(sentence(revoked), revoked.reason)
            return
    found.passed("revocation", "Not revoked: checked against the issuer's status list.", essential=False)
