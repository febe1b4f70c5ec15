"""Images the sandbox serves: badge class and issuer artwork, and baked award images.

Artwork is drawn by ``artwork`` and baked by ``domain.baking`` on first request, then cached, so
a generated backpack of 100,000 awards costs nothing until a client asks for an image.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Literal

from backpack_desktop.domain import baking
from backpack_desktop.sandbox import artwork
from backpack_desktop.sandbox.records import AwardRecord, BadgeClassRecord, IssuerRecord
from backpack_desktop.sandbox.serializers import Urls, public_assertion_json
from backpack_desktop.sandbox.signing import Signer

ImageFormat = Literal["png", "svg"]
CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
_CACHE_LIMIT = 2048


class ImageStore:
    """Render-on-demand image bytes with a bounded cache. Thread-safe."""

    def __init__(self, urls: Urls, signer: Signer) -> None:
        self._urls = urls
        self.signer = signer
        self._cache: dict[tuple[str, ...], bytes] = {}
        self._lock = threading.Lock()

    def badgeclass_image(self, bc: BadgeClassRecord, fmt: ImageFormat) -> bytes:
        """The badge class's (unbaked) artwork."""
        return self._cached(("art", bc.artwork_key, fmt), lambda: self._artwork(bc, fmt))

    def issuer_image(self, issuer: IssuerRecord) -> bytes:
        """The issuer's logo (PNG)."""
        return self._cached(("issuer", issuer.entity_id), lambda: artwork.issuer_logo_png(issuer.entity_id))

    def award_image(self, award: AwardRecord, fmt: ImageFormat, version: str = "2_0") -> bytes:
        """The award's baked image: hosted JSON, signed JWS or OB 3.0 VC-JWT inside."""
        key = ("award", award.entity_id, fmt, version)
        return self._cached(key, lambda: self._bake(award, fmt, version))

    def _artwork(self, bc: BadgeClassRecord, fmt: ImageFormat) -> bytes:
        design = artwork.design_for(bc.artwork_key)
        return artwork.render_png(design) if fmt == "png" else artwork.render_svg(design)

    def _bake(self, award: AwardRecord, fmt: ImageFormat, version: str) -> bytes:
        art = self.badgeclass_image(award.badgeclass, fmt)
        if award.verification == "ob3":
            token = self.signer.vc_jwt(award)
            if fmt == "png":
                return baking.bake_png(art, token, keyword="openbadgecredential")
            return baking.bake_svg(art, token, version="3.0", verify=token)
        if award.verification == "signed":
            jws = self.signer.signed_assertion(award)
            if fmt == "png":
                return baking.bake_png(art, jws)
            return baking.bake_svg(art, jws, version="2.0", verify=jws)
        expanded = version != "2_0"  # non-default versions bake badge and issuer expanded
        assertion = public_assertion_json(award, self._urls, expanded, expanded)
        text = json.dumps(assertion, ensure_ascii=False, indent=2)
        if fmt == "png":
            return baking.bake_png(art, text)
        return baking.bake_svg(art, text, version="2.0", verify=assertion["id"])

    def _cached(self, key: tuple[str, ...], produce: Callable[[], bytes]) -> bytes:
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None:
            return hit
        data = produce()
        with self._lock:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = data
        return data
