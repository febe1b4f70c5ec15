"""Recognise a badge file and decode what it carries, without judging whether it is genuine.

A learner or adviser may hand the app a baked PNG or SVG, an assertion's JSON, a compact JWS
(an Open Badges 2.0 signed assertion or a 3.0 VC-JWT) or a 3.0 credential with an embedded
proof. Everything here is pure and bounded: the file is capped in bytes, JSON in size and depth,
and a JWS is only decoded (its signature is checked by ``services/verify``). The file is
recognised by its content, never by its name.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from backpack_desktop.domain.baking import MAX_IMAGE_BYTES, BakedPayload, unbake
from backpack_desktop.domain.errors import BadgeFileError, BakingError

MAX_JSON_BYTES: Final = 4 * 1024 * 1024
MAX_DEPTH: Final = 64
Container = Literal["png", "svg", "json", "jws"]
Version = Literal["1.0", "2.0", "3.0"]
Form = Literal["hosted", "signed", "vc-jwt", "embedded-proof", "unsigned"]
_COMPACT_JWS: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
NOT_A_BADGE = "This file is not an Open Badges file (a baked PNG or SVG, JSON, or a signed badge)."


@dataclass(frozen=True)
class BadgeFile:
    """What a badge file carries.

    Attributes:
        container: what the file was: a baked image, JSON, or a compact JWS.
        version: the Open Badges version the content follows (1.0 has no ``@context``).
        form: how it can be checked: a hosted assertion (fetch its ``id``), a signed 2.0
            assertion (JWS), a 3.0 VC-JWT, a 3.0 credential with an embedded proof, or
            nothing at all (``unsigned``).
        document: the assertion or credential (for a JWS: its decoded, unverified payload; for
            a VC-JWT with a ``vc`` claim, that claim).
        text: the payload exactly as found (JSON text or the compact JWS), for baking again.
        jws_header: the decoded JOSE header of a JWS, else empty.
        jws_claims: the whole decoded JWS payload (``iss``, ``nbf``, ``exp``, ``jti`` …).
        baked: the image's carrier details, for a baked file.
    """

    container: Container
    version: Version
    form: Form
    document: dict[str, Any]
    text: str
    jws_header: dict[str, Any] = field(default_factory=dict)
    jws_claims: dict[str, Any] = field(default_factory=dict)
    baked: BakedPayload | None = None

    @property
    def identifier(self) -> str:
        """The assertion's or credential's ``id`` (or 1.0 ``uid``), ``""`` when it has none."""
        for key in ("id", "uid"):
            value = self.document.get(key)
            if isinstance(value, str):
                return value
        return ""


def read_badge_file(data: bytes) -> BadgeFile:
    """Recognise ``data`` and decode what it carries.

    Raises:
        NoBadgeDataError: an image without Open Badges data.
        BadgeFileError: anything that is not a badge file, or is malformed or too large.
    """
    if len(data) > MAX_IMAGE_BYTES:
        raise BadgeFileError(f"The file is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB.")
    try:
        baked = unbake(data)
    except BakingError as exc:
        if "not a PNG or SVG" not in str(exc):
            raise
        return read_payload(_text(data), _container_of(data))
    result = read_payload(baked.text.strip(), "png" if data.startswith(b"\x89PNG") else "svg")
    return BadgeFile(
        result.container,
        result.version,
        result.form,
        result.document,
        result.text,
        result.jws_header,
        result.jws_claims,
        baked,
    )


def read_payload(text: str, container: Container | None = None) -> BadgeFile:
    """Decode a payload: assertion or credential JSON, or a compact JWS."""
    text = text.strip()
    if _COMPACT_JWS.fullmatch(text):
        return _from_jws(text, container or "jws")
    if text.startswith("{"):
        document = loads_limited(text)
        if not isinstance(document, dict):
            raise BadgeFileError(NOT_A_BADGE)
        version = version_of(document)
        form: Form = "embedded-proof" if version == "3.0" and "proof" in document else "hosted"
        if version == "3.0" and "proof" not in document:
            form = "unsigned"
        return BadgeFile(container or "json", version, form, document, text)
    if text.startswith(("http://", "https://")) and len(text) < 2048:
        # A pre-2013 baked image holding only the assertion's URL.
        return BadgeFile(container or "json", "1.0", "hosted", {"id": text}, text)
    raise BadgeFileError(NOT_A_BADGE)


def version_of(document: dict[str, Any]) -> Version:
    """The Open Badges version a document follows, from its context and type."""
    context = document.get("@context")
    contexts = context if isinstance(context, list) else [context]
    names = " ".join(c for c in contexts if isinstance(c, str))
    kinds = document.get("type")
    types = kinds if isinstance(kinds, list) else [kinds]
    if "ob/v3p0" in names or "OpenBadgeCredential" in types or "AchievementCredential" in types:
        return "3.0"
    if "openbadges/v2" in names or "w3id.org/openbadges" in names:
        return "2.0"
    return "1.0"


def loads_limited(text: str) -> Any:
    """Parse JSON with a size and nesting cap (NaN and Infinity refused)."""
    if len(text) > MAX_JSON_BYTES:
        raise BadgeFileError(f"The badge data is larger than {MAX_JSON_BYTES // (1024 * 1024)} MB.")
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise BadgeFileError("The badge data is nested too deeply.") from None
    except ValueError:
        raise BadgeFileError("The badge data is not valid JSON.") from None
    check_depth(value, MAX_DEPTH)
    return value


def check_depth(value: Any, max_depth: int) -> None:
    """Reject nesting deeper than ``max_depth`` (iteratively: recursion would hit the same wall)."""
    stack: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise BadgeFileError("The badge data is nested too deeply.")
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def b64url_json(part: str) -> Any:
    """Decode one base64url part of a compact JWS as bounded JSON."""
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        return loads_limited(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError):
        raise BadgeFileError("The signed badge is damaged (not base64url JSON).") from None


def _from_jws(text: str, container: Container) -> BadgeFile:
    header_part, payload_part, _signature = text.split(".")
    header, claims = b64url_json(header_part), b64url_json(payload_part)
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise BadgeFileError("The signed badge is damaged (its header or payload is not an object).")
    vc = claims.get("vc")
    document = vc if isinstance(vc, dict) else claims
    version = version_of(document)
    if version != "3.0" and "vc" in claims:
        version = "3.0"  # an early VC-JWT draft with another context is still a 3.0 credential
    form: Form = "vc-jwt" if version == "3.0" else "signed"
    return BadgeFile(container, version, form, document, text, header, claims)


def _text(data: bytes) -> str:
    if len(data) > MAX_JSON_BYTES:
        raise BadgeFileError(f"The badge data is larger than {MAX_JSON_BYTES // (1024 * 1024)} MB.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadgeFileError(NOT_A_BADGE) from None


def _container_of(data: bytes) -> Container:
    return "json" if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "jws"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
