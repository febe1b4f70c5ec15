"""Unauthenticated routes of the API origin: ``/public/*`` JSON and images, ``/media/*`` bytes.

As on badgr-server (reference a.7): image routes redirect (``/image`` 302, ``/baked`` 301) to
media files; a revoked award's JSON is a stub and its image is gone (404); pending awards are
not public (404); a browser (``Accept: text/html``) is sent to the UI's public page unless the
``.json`` suffix forces JSON. Media answers carry an ETag and honour ``If-None-Match``, as
object storage does, so a client can skip images that did not change.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from backpack_desktop.sandbox.http import Request, Response, Router, json_response
from backpack_desktop.sandbox.images import CONTENT_TYPES, ImageFormat
from backpack_desktop.sandbox.records import AwardRecord, BadgeClassRecord, IssuerRecord
from backpack_desktop.sandbox.serializers import badgeclass_json, issuer_json, public_assertion_json
from backpack_desktop.sandbox.signing import Signer

if TYPE_CHECKING:
    from backpack_desktop.sandbox.api import ApiContext

_ID = r"(?P<id>[A-Za-z0-9_-]+)"


def add_public_routes(router: Router, ctx: ApiContext) -> None:
    """Register the public and media routes."""
    routes = _PublicRoutes(ctx)
    router.add("GET", rf"/public/assertions/{_ID}(?P<suffix>\.json)?", routes.assertion)
    router.add("GET", rf"/public/assertions/{_ID}/image", routes.assertion_image)
    router.add("GET", rf"/public/assertions/{_ID}/baked", routes.assertion_baked)
    router.add("GET", rf"/public/badges/{_ID}", routes.badgeclass)
    router.add("GET", rf"/public/badges/{_ID}/image", routes.badgeclass_image)
    router.add("GET", rf"/public/issuers/{_ID}", routes.issuer)
    router.add("GET", rf"/public/issuers/{_ID}/image", routes.issuer_image)
    router.add("GET", rf"/public/issuers/{_ID}/badges", routes.issuer_badges)
    router.add("GET", rf"/public/issuers/{_ID}/keys/rsa-1", routes.rsa_key)
    router.add("GET", rf"/public/issuers/{_ID}/keys/ed25519-1", routes.ed25519_key)
    router.add("GET", rf"/public/issuers/{_ID}/revocations", routes.revocations)
    router.add("GET", rf"/media/uploads/badges/assertion-{_ID}\.(?P<fmt>png|svg)", routes.media_award)
    router.add("GET", rf"/media/baked/assertion-{_ID}-(?P<v>2_0|1_1)\.(?P<fmt>png|svg)", routes.media_award)
    router.add("GET", rf"/media/uploads/badges/{_ID}\.(?P<fmt>png|svg)", routes.media_badgeclass)
    router.add("GET", rf"/media/uploads/issuers/{_ID}\.png", routes.media_issuer)


def _not_found() -> Response:
    return json_response(404, {"detail": "Not found."})


def _media(request: Request, data: bytes, fmt: str) -> Response:
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    headers = [("ETag", etag), ("Cache-Control", "public, max-age=3600")]
    if request.headers.get("if-none-match") == etag:
        return Response(304, headers=headers)
    return Response(200, data, CONTENT_TYPES[fmt], headers)


class _PublicRoutes:
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx
        self.signer: Signer = ctx.images.signer

    def _award(self, entity_id: str) -> AwardRecord | None:
        award = self.ctx.data.award(entity_id)
        return None if award is None or award.pending else award

    def _badgeclass(self, entity_id: str) -> BadgeClassRecord | None:
        return self.ctx.data.badgeclass(entity_id)

    def _issuer(self, entity_id: str) -> IssuerRecord | None:
        return self.ctx.data.issuer(entity_id)

    def assertion(self, request: Request) -> Response:
        award = self._award(request.params["id"])
        if award is None:
            return _not_found()
        if not request.params.get("suffix") and "text/html" in request.headers.get("accept", ""):
            return Response(
                302, headers=[("Location", f"{self.ctx.urls.ui}/public/assertions/{award.entity_id}")]
            )
        expand = request.query.get("expand", [])
        badge = "badge" in expand
        data = public_assertion_json(award, self.ctx.urls, badge, badge and "badge.issuer" in expand)
        return json_response(200, data)

    def assertion_image(self, request: Request) -> Response:
        award = self._award(request.params["id"])
        if award is None or award.revoked:  # the image file is deleted on revoke
            return _not_found()
        fmt = "png" if request.arg("type") == "png" else award.image_format
        return Response(
            302,
            headers=[
                ("Location", f"{self.ctx.urls.api}/media/uploads/badges/assertion-{award.entity_id}.{fmt}")
            ],
        )

    def assertion_baked(self, request: Request) -> Response:
        award = self._award(request.params["id"])
        version = request.arg("v", "2_0")
        if award is None or award.revoked or version not in ("2_0", "1_1"):
            return _not_found()
        location = (
            f"{self.ctx.urls.api}/media/baked/assertion-{award.entity_id}-{version}.{award.image_format}"
        )
        return Response(301, headers=[("Location", location)])

    def badgeclass(self, request: Request) -> Response:
        bc = self._badgeclass(request.params["id"])
        if bc is None:
            return _not_found()
        return json_response(
            200, badgeclass_json(bc, self.ctx.urls, "issuer" in request.query.get("expand", []))
        )

    def badgeclass_image(self, request: Request) -> Response:
        bc = self._badgeclass(request.params["id"])
        if bc is None:
            return _not_found()
        fmt = "png" if request.arg("type") == "png" else bc.image_format
        return Response(
            302, headers=[("Location", f"{self.ctx.urls.api}/media/uploads/badges/{bc.entity_id}.{fmt}")]
        )

    def issuer(self, request: Request) -> Response:
        issuer = self._issuer(request.params["id"])
        return json_response(200, issuer_json(issuer, self.ctx.urls)) if issuer else _not_found()

    def issuer_image(self, request: Request) -> Response:
        issuer = self._issuer(request.params["id"])
        if issuer is None:
            return _not_found()
        return Response(
            302, headers=[("Location", f"{self.ctx.urls.api}/media/uploads/issuers/{issuer.entity_id}.png")]
        )

    def issuer_badges(self, request: Request) -> Response:
        issuer = self._issuer(request.params["id"])
        if issuer is None:
            return _not_found()
        return json_response(
            200,
            [
                badgeclass_json(b, self.ctx.urls, False)
                for b in self.ctx.data.badgeclasses
                if b.issuer == issuer
            ],
        )

    def rsa_key(self, request: Request) -> Response:
        issuer = self._issuer(request.params["id"])
        if issuer is None or not issuer.signing:
            return _not_found()
        return json_response(200, self.signer.key_document(issuer))

    def ed25519_key(self, request: Request) -> Response:
        issuer = self._issuer(request.params["id"])
        if issuer is None:
            return _not_found()
        return json_response(200, {**self.signer.ob3_jwk(), "kid": self.signer.ob3_key_url(issuer)})

    def revocations(self, request: Request) -> Response:
        issuer = self._issuer(request.params["id"])
        if issuer is None or not issuer.signing:
            return _not_found()
        return json_response(200, self.signer.revocation_list(issuer, self.ctx.data.awards))

    def media_award(self, request: Request) -> Response:
        award = self._award(request.params["id"])
        fmt: ImageFormat = "png" if request.params["fmt"] == "png" else "svg"
        if award is None or award.revoked or (fmt == "svg" and award.image_format == "png"):
            return _not_found()
        data = self.ctx.images.award_image(award, fmt, request.params.get("v") or "2_0")
        return _media(request, data, fmt)

    def media_badgeclass(self, request: Request) -> Response:
        bc = self._badgeclass(request.params["id"])
        fmt: ImageFormat = "png" if request.params["fmt"] == "png" else "svg"
        if bc is None or (fmt == "svg" and bc.image_format == "png"):
            return _not_found()
        return _media(request, self.ctx.images.badgeclass_image(bc, fmt), fmt)

    def media_issuer(self, request: Request) -> Response:
        issuer = self._issuer(request.params["id"])
        if issuer is None:
            return _not_found()
        return _media(request, self.ctx.images.issuer_image(issuer), "png")
