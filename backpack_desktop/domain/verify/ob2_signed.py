"""Open Badges 2.0 signed assertions: an RS256 compact JWS whose key the issuer publishes.

The signature alone proves only that someone holding the key signed it. The key must be the
issuer's: the key document names the issuer as ``owner`` and the issuer's profile lists the
key in ``publicKey``. A forger could otherwise host a key of their own and point ``creator``
at it. Revocation is then looked up in the issuer's ``revocationList``.
"""

from __future__ import annotations

from typing import Any, Final

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from backpack_desktop.domain.badgefile import BadgeFile
from backpack_desktop.domain.verify.resolver import Fetcher, Unavailable
from backpack_desktop.domain.verify.result import CheckList
from backpack_desktop.domain.verify.revocation import LIST_KEYS, find_revoked, sentence

ALGORITHM: Final = "RS256"
_BAD_SIGNATURE: Final = (
    "The signature does not match: the badge was changed after it was signed, or someone else signed it."
)


def verify_signed(found: CheckList, badge: BadgeFile, fetcher: Fetcher) -> None:
    """Check the signature, the key's link to the issuer, and the issuer's revocation list."""
    if badge.jws_header.get("alg") != ALGORITHM:
        found.failed(
            "signature", f"The badge is signed with an algorithm that is not accepted ({_alg(badge)})."
        )
        return
    try:
        badge_class = fetcher.node(badge.document.get("badge"))
        issuer = fetcher.node(badge_class.get("issuer"))
    except Unavailable:
        found.unchecked(
            "signature", "Not checked: the badge's issuer could not be fetched, so its key is unknown."
        )
        return
    issuer_id = issuer.get("id") or badge_class.get("issuer")
    key = _issuer_key(found, badge, issuer, issuer_id, fetcher)
    if key is None:
        return
    try:
        jwt.PyJWS().decode_complete(badge.text, key=key, algorithms=[ALGORITHM])
    except jwt.exceptions.InvalidSignatureError:
        found.failed("signature", _BAD_SIGNATURE)
        return
    except jwt.exceptions.PyJWTError:
        found.failed("signature", "The signature cannot be read: the signed badge is damaged.")
        return
    found.passed("signature", "The issuer's signature is valid.")
    _check_revocation(found, badge, issuer, fetcher)


def _issuer_key(
    found: CheckList, badge: BadgeFile, issuer: dict[str, Any], issuer_id: object, fetcher: Fetcher
) -> RSAPublicKey | None:
    """The issuer's public key for this badge, or ``None`` after recording why there is none."""
    published = _ids(issuer.get("publicKey"))
    verification = badge.document.get("verification")
    creator = verification.get("creator") if isinstance(verification, dict) else None
    key_url = creator if isinstance(creator, str) else (published[0] if published else None)
    if key_url is None:
        found.unchecked("signature", "Not checked: neither the badge nor its issuer names a signing key.")
        return None
    try:
        key_document = fetcher.document(key_url)
    except Unavailable:
        found.unchecked("signature", "Not checked: the issuer's signing key could not be fetched.")
        return None
    if key_document.get("owner") != issuer_id or key_url not in published:
        found.failed("key", "The signing key does not belong to the badge's issuer.")
        return None
    try:
        key = load_pem_public_key(str(key_document.get("publicKeyPem")).encode())
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, RSAPublicKey):
        found.failed("key", "The issuer's signing key cannot be read as an RSA key.")
        return None
    return key


def _check_revocation(found: CheckList, badge: BadgeFile, issuer: dict[str, Any], fetcher: Fetcher) -> None:
    if badge.document.get("revoked") is True:
        found.revoked("The badge itself says it is revoked.", None)
        return
    where = issuer.get("revocationList")
    if isinstance(where, dict) and not any(k in where for k in LIST_KEYS):
        where = where.get("id")  # an object naming the list, not the list itself
    if where is None:
        found.passed("revocation", "The issuer publishes no revocation list.", essential=False)
        return
    try:
        revocations = fetcher.node(where)
    except Unavailable:
        found.unchecked(
            "revocation", "Revocation status unknown: the issuer's revocation list could not be fetched."
        )
        return
    ids = {i for i in (badge.identifier, badge.document.get("uid")) if isinstance(i, str) and i}
    entries = next((revocations[k] for k in LIST_KEYS if isinstance(revocations.get(k), list)), None)
    if entries is None:
        found.unchecked(
            "revocation", "Revocation status unknown: the issuer's revocation list cannot be read."
        )
        return
    revoked = find_revoked(entries, ids)
    if revoked is not None:
        found.revoked(sentence(revoked), revoked.reason)
    else:
        found.passed(
            "revocation", "Not revoked: checked against the issuer's revocation list.", essential=False
        )


def _ids(value: object) -> list[str]:
    """The ids in a property that holds an id, an object, or a list of either."""
    items = value if isinstance(value, list) else [value]
    ids = [item.get("id") if isinstance(item, dict) else item for item in items]
    return [i for i in ids if isinstance(i, str)]


def _alg(badge: BadgeFile) -> str:
    return str(badge.jws_header.get("alg", "none"))[:20]
