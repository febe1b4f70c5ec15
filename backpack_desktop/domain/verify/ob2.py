"""Open Badges 1.0 and 2.0 assertions: hosted (fetch the issuer's copy) or signed (JWS).

A hosted assertion proves nothing by itself: anyone can write that JSON. What counts is the
copy the issuer serves at the assertion's ``id`` (1.0: ``verify.url``), so when that cannot be
fetched the honest answer is "could not be checked", never "invalid" and never "verified".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from backpack_desktop.domain.badgefile import BadgeFile
from backpack_desktop.domain.verify.ob2_signed import verify_signed
from backpack_desktop.domain.verify.recipient import check_recipient, identities_ob2
from backpack_desktop.domain.verify.resolver import Fetcher, Unavailable
from backpack_desktop.domain.verify.result import CheckList
from backpack_desktop.domain.verify.revocation import Revoked, sentence
from backpack_desktop.domain.verify.timecheck import check_dates

_NOT_FETCHED = "Not checked: the issuer's copy could not be fetched."


def verify_ob2(badge: BadgeFile, fetcher: Fetcher, now: datetime, emails: Sequence[str]) -> CheckList:
    """Run every check for a 1.0 or 2.0 assertion."""
    found = CheckList()
    document = badge.document
    if badge.version == "2.0" and "Assertion" not in _strings(document.get("type")):
        found.failed("type", "This file is not a badge assertion.")
        return found
    if badge.form == "signed":
        verify_signed(found, badge, fetcher)
    elif _verification_type(document) in ("signed", "signedbadge"):
        found.unchecked(
            "signature", "Not checked: this is a signed badge, but its signature is not in the file."
        )
    else:
        document = _verify_hosted(found, badge, fetcher)
    if found.revocation_reason is None:
        check_dates(found, document.get("issuedOn"), document.get("expires"), now)
        identities = identities_ob2(document)
        if emails and not identities:
            found.note("recipient", "The badge's recipient could not be read, so it was not compared.")
        else:
            check_recipient(found, identities, emails)
    return found


def hosted_url(badge: BadgeFile) -> str:
    """Where the issuer serves this assertion: 1.0 ``verify.url``, else the ``id``."""
    document = badge.document
    for block in (document.get("verify"), document.get("verification")):
        if isinstance(block, dict) and isinstance(block.get("url"), str):
            return str(block["url"])
    return badge.identifier if badge.identifier.startswith(("https://", "http://")) else ""


def _verify_hosted(found: CheckList, badge: BadgeFile, fetcher: Fetcher) -> dict[str, Any]:
    """Compare the file with the issuer's copy; return the copy (or the file's data if unavailable)."""
    url = hosted_url(badge)
    if not url:
        found.unchecked("hosted", "Not checked: the badge does not say where the issuer publishes it.")
        return badge.document
    try:
        hosted = fetcher.document(url)
    except Unavailable:
        found.unchecked("hosted", _NOT_FETCHED)
        return badge.document
    if hosted.get("revoked") is True:
        reason = hosted.get("revocationReason")
        revoked = Revoked(reason if isinstance(reason, str) and reason.strip() else None)
        found.revoked(sentence(revoked), revoked.reason)
        return hosted
    differences = _differences(badge, hosted, url)
    if differences:
        found.failed(
            "hosted", f"The issuer's copy of this badge differs from the file ({', '.join(differences)})."
        )
        return hosted
    found.passed("hosted", "The issuer's copy of this badge matches the file.")
    if badge.version == "2.0":
        _check_scope(found, hosted, url, fetcher)
    return hosted


def _differences(badge: BadgeFile, hosted: dict[str, Any], url: str) -> list[str]:
    document = badge.document
    if set(document) <= {"id"}:  # a pre-2013 image held only the URL: nothing else to compare
        return []
    differences = []
    if badge.version == "2.0" and hosted.get("id") != url:
        differences.append("its address")
    if identities_ob2(hosted) != identities_ob2(document):
        differences.append("the recipient")
    if _node_id(hosted.get("badge")) != _node_id(document.get("badge")):
        differences.append("the badge")
    return differences


def _check_scope(found: CheckList, hosted: dict[str, Any], url: str, fetcher: Fetcher) -> None:
    """The 2.0 rule that an issuer only vouches for assertions hosted where it says."""
    try:
        badge_class = fetcher.node(hosted.get("badge"))
        issuer = fetcher.node(badge_class.get("issuer"))
    except Unavailable:
        found.unchecked("issuer", "Not checked: the badge's issuer profile could not be fetched.")
        return
    issuer_id = issuer.get("id") if isinstance(issuer.get("id"), str) else _node_id(badge_class.get("issuer"))
    if _node_id(badge_class.get("issuer")) != issuer_id:
        found.failed("issuer", "The badge class names a different issuer than the issuer profile.")
        return
    rules = issuer.get("verification")
    rules = rules if isinstance(rules, dict) else {}
    origins = _strings(rules.get("allowedOrigins")) or [urlsplit(str(issuer_id)).hostname or ""]
    prefixes = _strings(rules.get("startsWith"))
    host = urlsplit(url).hostname or ""
    if host not in origins or (prefixes and not any(url.startswith(p) for p in prefixes)):
        found.failed("scope", "The badge is hosted at an address its issuer does not vouch for.")
    else:
        found.passed(
            "scope", "The badge is hosted where its issuer says it publishes badges.", essential=False
        )


def _verification_type(document: dict[str, Any]) -> str:
    for key in ("verification", "verify"):
        block = document.get(key)
        if isinstance(block, dict) and isinstance(block.get("type"), str):
            return str(block["type"]).lower()
    return ""


def _node_id(value: object) -> object:
    return value.get("id") if isinstance(value, dict) else value


def _strings(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str)]
