"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (Open Badges 3.0 JSON).

The signature covers the RDF meaning of the credential, not its bytes: both the proof options
and the credential (without its proof) are canonicalised with RDFC-1.0 (URDNA2015), each is
hashed with SHA-256, and the Ed25519 signature is over hash(proof options) ‖ hash(credential).
Canonicalisation needs the JSON-LD context documents. pyld would happily download them; here
its document loader only asks the caller's context resolver, so a missing context makes the
proof "could not be checked" instead of a silent network request.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from backpack_desktop.domain.verify.keys import KEY_IN_FILE, KeyFormatError, base58btc, did_key, find_key
from backpack_desktop.domain.verify.resolver import Fetcher, Unavailable
from backpack_desktop.domain.verify.result import Check, CheckList, Outcome

SUITE: Final = "eddsa-rdfc-2022"
CONTEXT_UNAVAILABLE: Final = "Could not be checked: context unavailable."
_BAD_PROOF: Final = "The proof does not match: the credential was changed after it was signed."


class ContextUnavailableError(Exception):
    """pyld asked for a context the context resolver does not have."""


class JsonLdProcessingError(Exception):
    """The credential could not be expanded or canonicalised as JSON-LD."""


def verify_proofs(found: CheckList, credential: dict[str, Any], fetcher: Fetcher) -> None:
    """Check the credential's proofs; one valid ``eddsa-rdfc-2022`` proof is enough."""
    proofs = credential.get("proof")
    proofs = [p for p in (proofs if isinstance(proofs, list) else [proofs]) if isinstance(p, dict)]
    if not proofs:
        found.unchecked("proof", "Not checked: the credential carries no proof.")
        return
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    results = [_verify_one(credential, proof, fetcher, issuer_id) for proof in proofs[:4]]
    best = next((r for r in results if r[0].outcome is Outcome.VERIFIED), None)
    best = best or next((r for r in results if r[0].outcome is Outcome.INVALID), None) or results[0]
    found.checks.append(best[0])
    if best[1]:
        found.note("key-origin", best[1])


def _verify_one(
    credential: dict[str, Any], proof: dict[str, Any], fetcher: Fetcher, issuer_id: object
) -> tuple[Check, str | None]:
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != SUITE:
        kind = proof.get("cryptosuite") or proof.get("type")
        return Check(
            "proof", Outcome.UNCHECKED, f"Not checked: the proof type is not supported ({kind})."
        ), None
    if proof.get("proofPurpose") != "assertionMethod":
        return Check("proof", Outcome.INVALID, "The proof was not made for issuing credentials."), None
    try:
        value = proof.get("proofValue")
        signature = base58btc(value[1:]) if isinstance(value, str) and value.startswith("z") else b""
        key, note = verification_key(str(proof.get("verificationMethod", "")), fetcher, issuer_id)
    except KeyFormatError:
        return Check("proof", Outcome.INVALID, "The proof's key or signature value is malformed."), None
    except Unavailable:
        return Check(
            "proof", Outcome.UNCHECKED, "Not checked: the issuer's signing key could not be fetched."
        ), None
    try:
        message = signed_message(credential, proof, fetcher)
    except ContextUnavailableError:
        return Check("proof", Outcome.UNCHECKED, CONTEXT_UNAVAILABLE), None
    except JsonLdProcessingError:
        return Check(
            "proof", Outcome.UNCHECKED, "Not checked: the credential could not be processed as JSON-LD."
        ), None
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return Check("proof", Outcome.INVALID, _BAD_PROOF), None
    return Check("proof", Outcome.VERIFIED, "The issuer's proof is valid."), note


def verification_key(method: str, fetcher: Fetcher, issuer_id: object) -> tuple[Ed25519PublicKey, str | None]:
    """The Ed25519 key a ``verificationMethod`` names, and a note when it does not prove the issuer.

    Raises:
        KeyFormatError: the key is malformed.
        Unavailable: the key had to be fetched and could not be.
    """
    controller, _, fragment = method.partition("#")
    if method.startswith("did:key:"):
        return did_key(method), None if controller == issuer_id else KEY_IN_FILE
    try:
        key = find_key(fetcher.document(controller), method, "EdDSA")
        if isinstance(key, Ed25519PublicKey):
            return key, None if controller == issuer_id else "The signing key is not published by the issuer."
    except (Unavailable, KeyFormatError):
        if not fragment.startswith("z6Mk"):
            raise
    # The method's fragment is itself a Multikey (the 1EdTech test files do this). It checks
    # the file's integrity, but no document of the issuer confirmed the key.
    return did_key(f"did:key:{fragment}"), KEY_IN_FILE


def signed_message(credential: dict[str, Any], proof: dict[str, Any], fetcher: Fetcher) -> bytes:
    """hash(canonical proof options) ‖ hash(canonical credential without proof).

    Raises:
        ContextUnavailableError: a context is not available from the context resolver.
        JsonLdProcessingError: the credential is not processable JSON-LD.
    """
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    options.setdefault("@context", credential.get("@context"))
    document = {k: v for k, v in credential.items() if k != "proof"}
    return _hash(options, fetcher) + _hash(document, fetcher)


def _hash(document: dict[str, Any], fetcher: Fetcher) -> bytes:
    return hashlib.sha256(canonical(document, fetcher).encode("utf-8")).digest()


def canonical(document: dict[str, Any], fetcher: Fetcher) -> str:
    """RDFC-1.0 N-Quads of ``document``, with contexts only from the fetcher's context resolver.

    Raises:
        ContextUnavailableError: a context is not available.
        JsonLdProcessingError: the document is not processable JSON-LD.
    """
    # Imported here: pyld (with lxml) costs ~80 ms to import and only 3.0 embedded proofs need it.
    from pyld import jsonld  # type: ignore[import-untyped]
    from pyld.context_resolver import ContextResolver  # type: ignore[import-untyped]

    missing: list[str] = []

    def load(url: str, options: object = None) -> dict[str, Any]:
        try:
            return {"contextUrl": None, "documentUrl": url, "document": fetcher.context(url)}
        except Unavailable:
            missing.append(url)
            raise

    # A fresh resolver cache per call: pyld's module-wide cache would otherwise let a context
    # loaded for one verification satisfy another whose resolver does not have it.
    settings = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": load,
        "contextResolver": ContextResolver({}, load),
    }
    try:
        return str(jsonld.normalize(document, settings))
    except (jsonld.JsonLdError, Unavailable) as exc:
        if missing:
            raise ContextUnavailableError(missing[0]) from None
        raise JsonLdProcessingError(str(exc)[:200]) from None
