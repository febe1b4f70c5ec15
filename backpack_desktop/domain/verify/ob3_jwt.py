"""Open Badges 3.0 as a VC-JWT: a compact JWS whose payload is (or holds in ``vc``) the credential.

PyJWT checks only the signature here (``PyJWS``), with a key this module found itself: PyJWT
never fetches anything (no ``PyJWKClient``), and the registered claims are compared with the
credential by hand because the VC rules (``iss`` = issuer id, ``nbf`` = validFrom …) are not
PyJWT's. A JOSE header without ``jwk`` or ``kid`` leaves nothing to check the signature
against: that is reported as "could not be checked", because the issuer may well publish a
key we were not told about; it is never "verified".
"""

from __future__ import annotations

from typing import Any, Final

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from backpack_desktop.domain.badgefile import BadgeFile
from backpack_desktop.domain.verify.keys import KEY_IN_FILE, KeyFormatError, did_key, find_key, jwk_key
from backpack_desktop.domain.verify.resolver import Fetcher, Unavailable
from backpack_desktop.domain.verify.result import CheckList
from backpack_desktop.domain.verify.timecheck import parse_time

ALGORITHMS: Final = ("RS256", "ES256", "EdDSA")
NO_KEY: Final = "Not checked: no verification key (the signature names no key to check it with)."
_BAD_SIGNATURE: Final = "The signature does not match: the credential was changed after it was signed."


def verify_vc_jwt(found: CheckList, badge: BadgeFile, fetcher: Fetcher) -> None:
    """Check a VC-JWT's signature and that its JWT claims agree with the credential."""
    _check_signature(found, badge, fetcher)
    check_claims(found, badge.jws_claims, badge.document)


def _check_signature(found: CheckList, badge: BadgeFile, fetcher: Fetcher) -> None:
    header = badge.jws_header
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        found.failed(
            "signature", f"The credential is signed with an algorithm that is not accepted ({algorithm})."
        )
        return
    try:
        key, note = _key(header, str(algorithm), fetcher)
    except KeyFormatError:
        found.failed("signature", "The credential's verification key is malformed.")
        return
    except Unavailable:
        found.unchecked("signature", "Not checked: the issuer's verification key could not be fetched.")
        return
    if key is None:
        found.unchecked("signature", NO_KEY)
        return
    try:
        jwt.PyJWS().decode_complete(badge.text, key=key, algorithms=[str(algorithm)])
    except jwt.exceptions.InvalidSignatureError:
        found.failed("signature", _BAD_SIGNATURE)
        return
    except (jwt.exceptions.PyJWTError, ValueError, TypeError):
        found.failed(
            "signature", "The signature cannot be checked with the key given: the credential is damaged."
        )
        return
    found.passed("signature", "The credential's signature is valid.")
    if note:
        found.note("key-origin", note)


def _key(header: dict[str, Any], algorithm: str, fetcher: Fetcher) -> tuple[Any, str | None]:
    """The key named by the header and a note when it proves integrity only; ``(None, None)`` if none.

    Raises:
        KeyFormatError: the key is malformed.
        Unavailable: the key had to be fetched and could not be.
    """
    if "jwk" in header:
        return jwk_key(header["jwk"], algorithm), KEY_IN_FILE
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        return None, None
    if kid.startswith("did:key:"):
        return did_key(kid), None
    key = find_key(fetcher.document(kid), kid, algorithm)
    if algorithm == "EdDSA" and not isinstance(key, Ed25519PublicKey):
        raise KeyFormatError("not an Ed25519 key")
    return key, None


def check_claims(found: CheckList, claims: dict[str, Any], credential: dict[str, Any]) -> None:
    """Compare ``iss``/``jti``/``sub``/``nbf``/``exp`` with the credential they sign."""
    issuer = credential.get("issuer")
    subject = credential.get("credentialSubject")
    pairs = (
        ("iss", issuer.get("id") if isinstance(issuer, dict) else issuer, "issuer"),
        ("jti", credential.get("id"), "id"),
        ("sub", subject.get("id") if isinstance(subject, dict) else None, "subject"),
    )
    wrong = [f"{claim} vs {what}" for claim, value, what in pairs if _differs(claims.get(claim), value)]
    for claim, names in (("nbf", ("validFrom", "issuanceDate")), ("exp", ("validUntil", "expirationDate"))):
        date = next((credential[n] for n in names if n in credential), None)
        if _dates_differ(claims.get(claim), date):
            wrong.append(f"{claim} vs {names[0]}")
    if wrong:
        found.failed("claims", f"The JWT's claims do not match the credential ({', '.join(wrong)}).")
    else:
        found.passed("claims", "The JWT's claims match the credential.", essential=False)


def _differs(claim: object, value: object) -> bool:
    # Lenient when either side is absent: the 1EdTech VCDM 2.0 examples carry no ``sub``.
    return claim is not None and value is not None and claim != value


def _dates_differ(claim: object, value: object) -> bool:
    if claim is None or value is None:
        return False
    try:
        left, right = parse_time(claim), parse_time(value)
    except (ValueError, OverflowError, OSError):
        return True
    return left is None or right is None or abs((left - right).total_seconds()) >= 1
