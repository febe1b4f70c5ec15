"""Public keys from the places badges name them: did:key, Multikey, JWK and PEM.

Everything here is decoding, no fetching: :func:`find_key` searches a document that the
caller already fetched through the :class:`~backpack_desktop.domain.verify.resolver.Fetcher`.
"""

from __future__ import annotations

from typing import Any, Final

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

_ALPHABET: Final = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_PREFIX: Final = b"\xed\x01"  # multicodec ed25519-pub, varint-encoded
MAX_BASE58: Final = 256  # far above any key or signature; bounds the quadratic decoding
KEY_IN_FILE: Final = (
    "Signed with a key carried in the file itself: it proves the file is intact, not who issued it."
)


class KeyFormatError(ValueError):
    """A key or signature value is malformed."""


def base58btc(text: str) -> bytes:
    """Decode base58 (Bitcoin alphabet), as used after a multibase ``z``.

    Raises:
        KeyFormatError: the text is empty, too long, or has a character outside the alphabet.
    """
    if not text or len(text) > MAX_BASE58:
        raise KeyFormatError("base58 value of a wrong length")
    number = 0
    for char in text:
        digit = _ALPHABET.find(char)
        if digit < 0:
            raise KeyFormatError("not base58")
        number = number * 58 + digit
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    zeros = len(text) - len(text.lstrip("1"))
    return b"\x00" * zeros + body


def multibase_ed25519(value: str) -> Ed25519PublicKey:
    """An Ed25519 key from a Multikey ``publicKeyMultibase`` (``z6Mk…``).

    Raises:
        KeyFormatError: not a base58btc multibase Ed25519 public key.
    """
    if not value.startswith("z"):
        raise KeyFormatError("not base58btc multibase")
    raw = base58btc(value[1:])
    if len(raw) != 34 or not raw.startswith(_ED25519_PREFIX):
        raise KeyFormatError("not an Ed25519 public key")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def did_key(did: str) -> Ed25519PublicKey:
    """The Ed25519 key a ``did:key`` (with or without a fragment) encodes.

    Raises:
        KeyFormatError: not an Ed25519 did:key.
    """
    if not did.startswith("did:key:"):
        raise KeyFormatError("not a did:key")
    return multibase_ed25519(did[len("did:key:") :].partition("#")[0])


def jwk_key(jwk: object, algorithm: str) -> Any:
    """The public key in a JWK, for ``algorithm``.

    Raises:
        KeyFormatError: not a usable public JWK (a private key part is refused outright: whoever
            put it there published their signing key).
    """
    if not isinstance(jwk, dict) or "d" in jwk:
        raise KeyFormatError("not a public JWK")
    try:
        return jwt.PyJWK(jwk, algorithm=algorithm).key
    except (jwt.exceptions.PyJWKError, jwt.exceptions.InvalidKeyError, ValueError, TypeError) as exc:
        raise KeyFormatError(str(exc)) from None


def find_key(document: dict[str, Any], key_id: str, algorithm: str) -> Any:
    """Find ``key_id`` in a fetched document: a JWK, a JWK Set, or a DID / controller document.

    Raises:
        KeyFormatError: the document does not hold that key.
    """
    if "kty" in document:
        return jwk_key(document, algorithm)
    for entry in _entries(document):
        if entry.get("id") == key_id or entry.get("kid") == key_id or _relative(entry, key_id):
            if "kty" in entry:
                return jwk_key(entry, algorithm)
            if "publicKeyJwk" in entry:
                return jwk_key(entry["publicKeyJwk"], algorithm)
            if isinstance(entry.get("publicKeyMultibase"), str):
                return multibase_ed25519(entry["publicKeyMultibase"])
    raise KeyFormatError("key not found in the document")


def _entries(document: dict[str, Any]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = [document]
    for name in ("keys", "verificationMethod", "assertionMethod"):
        value = document.get(name)
        entries.extend(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict))
    return entries


def _relative(entry: dict[str, Any], key_id: str) -> bool:
    entry_id = entry.get("id")
    return isinstance(entry_id, str) and entry_id.startswith("#") and key_id.endswith(entry_id)
