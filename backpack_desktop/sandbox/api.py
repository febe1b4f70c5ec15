"""The API origin of the sandbox: ``/o/*``, ``/v2/*``, ``/public/*`` and ``/media/*``.

Every route answers with the real server's shapes (canvas-credentials-api.md a.2-a.10): the v2
envelope, 401 with ``WWW-Authenticate`` for a missing or dead token, 404 for a missing scope or
an unknown entity, 400 with ``fieldErrors`` for a bad body, django-oauth-toolkit errors on
``/o/token``. The v2 API answers ``application/ld+json`` unless ``application/json`` is asked for.
OpenID Connect discovery and the JWKS (``oidc.py``) are sandbox extras on the same origin.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from backpack_desktop.sandbox import oauth
from backpack_desktop.sandbox.dataset import Dataset
from backpack_desktop.sandbox.http import JSON_LD, Request, Response, Router, json_response
from backpack_desktop.sandbox.images import ImageStore
from backpack_desktop.sandbox.oidc import IdTokenIssuer, add_oidc_routes
from backpack_desktop.sandbox.public import add_public_routes
from backpack_desktop.sandbox.records import AwardRecord
from backpack_desktop.sandbox.serializers import Urls, award_json, envelope, error_envelope, user_json
from backpack_desktop.sandbox.sharing import share_url

NOT_FOUND = "entity not found or insufficient privileges"
READ_BACKPACK = ("r:backpack", "rw:backpack")


@dataclass
class ApiContext:
    """What the API routes share: the data, URLs, token authority, images, a clock and the OIDC signer."""

    data: Dataset
    urls: Urls
    authority: oauth.TokenAuthority
    images: ImageStore
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    id_tokens: IdTokenIssuer | None = None


def v2_response(request: Request, status: int, body: dict[str, Any]) -> Response:
    """JSON-LD by default; ``application/json`` when the client's Accept asks for it."""
    accept = request.headers.get("accept", "")
    wants_json = "application/json" in accept and "application/ld+json" not in accept
    return json_response(status, body, "application/json" if wants_json else JSON_LD)


def unauthorized(request: Request) -> Response:
    """401 as the v2 exception handler sends it."""
    response = v2_response(request, 401, error_envelope("no valid auth token found"))
    response.headers.append(("WWW-Authenticate", 'Bearer realm="api"'))
    return response


def not_found(request: Request) -> Response:
    """404 for unknown entities and for tokens without the needed scope."""
    return v2_response(request, 404, error_envelope(NOT_FOUND))


def build_api_router(ctx: ApiContext) -> Router:
    """Register every API-origin route."""
    router = Router()
    routes = _ApiRoutes(ctx)
    router.add("POST", r"/o/token/?", routes.token)
    router.add("POST", r"/o/revoke_token/", routes.revoke)
    router.add("GET", r"/v2/users/self", routes.users_self)
    router.add("GET", r"/v2/backpack/assertions", routes.list_awards)
    router.add("GET", r"/v2/backpack/assertions/(?P<id>[^/]+)", routes.get_award)
    router.add("PUT", r"/v2/backpack/assertions/(?P<id>[^/]+)", routes.put_award)
    router.add("DELETE", r"/v2/backpack/assertions/(?P<id>[^/]+)", routes.delete_award)
    router.add("GET", r"/v2/backpack/assertions/(?P<id>[^/]+)/image", routes.award_image)
    router.add("GET", r"/v2/backpack/share/assertion/(?P<id>[^/]+)", routes.share)
    add_public_routes(router, ctx)
    if ctx.id_tokens is not None:
        add_oidc_routes(router, ctx.id_tokens)
    return router


class _ApiRoutes:
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    # -- /o/ -------------------------------------------------------------------------------
    def token(self, request: Request) -> Response:
        if request.query:
            return json_response(
                400, {"error": "Token grant parameters must be sent in post body, not query parameters"}
            )
        form = request.form()
        basic = request.headers.get("authorization", "")
        try:
            client = oauth.authenticate_client(
                form, basic[6:] if basic.lower().startswith("basic ") else None, self.ctx.authority.clients
            )
            body = self._grant(form, client, request.client_ip)
        except oauth.OAuthError as exc:
            # The real throttle answer is JSON labelled text/html (recorded example).
            ctype = "text/html; charset=utf-8" if exc.status == 429 else "application/json"
            return json_response(exc.status, exc.body, ctype)
        response = json_response(200, body)
        response.headers += [("Cache-Control", "no-store"), ("Pragma", "no-cache")]
        return response

    def _grant(self, form: dict[str, str], client: oauth.Client, ip: str) -> dict[str, object]:
        grant = form.get("grant_type") or "password"
        authority = self.ctx.authority
        if grant == "password":
            return authority.password_grant(form, client, ip)
        if grant == "refresh_token":
            return authority.refresh_grant(form, client)
        if grant == "authorization_code":
            return authority.code_grant(form, client)
        raise oauth.OAuthError(400, "unsupported_grant_type")

    def revoke(self, request: Request) -> Response:
        form = request.form()
        if form.get("client_id") not in self.ctx.authority.clients:
            return json_response(401, {"error": "invalid_client"})
        if not form.get("token"):
            return json_response(400, {"error": "invalid_request"})
        self.ctx.authority.revoke(form["token"])
        return Response(200, b"", "text/html; charset=utf-8")

    # -- /v2/ ------------------------------------------------------------------------------
    def _auth(self, request: Request, scopes: tuple[str, ...]) -> Response | None:
        header = request.headers.get("authorization", "")
        token = None
        if header.lower().startswith("bearer "):
            token = self.ctx.authority.authenticate(header[7:].strip())
        if token is None:
            return unauthorized(request)
        if not set(scopes) & set(token.scopes):
            return not_found(request)
        return None

    def users_self(self, request: Request) -> Response:
        denied = self._auth(request, ("r:profile", "rw:profile"))
        if denied:
            return denied
        return v2_response(request, 200, envelope([user_json(self.ctx.data.user)], latestTermsVersion=1))

    def _visible(self, award: AwardRecord, request: Request) -> bool:
        if award.acceptance == "Rejected":
            return False
        if award.revoked and not request.flag("include_revoked"):
            return False
        if award.expires and award.expires < self.ctx.now() and not request.flag("include_expired"):
            return False
        return not (award.pending and not request.flag("include_pending"))

    def _expand(self, request: Request) -> tuple[bool, bool]:
        expand = request.query.get("expand", [])
        badgeclass = "badgeclass" in expand
        return badgeclass, badgeclass and "issuer" in expand  # issuer alone is ignored

    def list_awards(self, request: Request) -> Response:
        denied = self._auth(request, READ_BACKPACK)
        if denied:
            return denied
        expand_bc, expand_issuer = self._expand(request)
        result = [
            award_json(a, self.ctx.urls, expand_bc, expand_issuer)
            for a in list(self.ctx.data.awards)
            if self._visible(a, request)
        ]
        return v2_response(request, 200, envelope(result))

    def _find(self, entity_id: str) -> AwardRecord | None:
        award = self.ctx.data.award(entity_id)
        return award if award is not None and award.acceptance != "Rejected" else None

    def get_award(self, request: Request) -> Response:
        denied = self._auth(request, READ_BACKPACK)
        award = self._find(request.params["id"])
        if denied or award is None:
            return denied or not_found(request)
        expand_bc, expand_issuer = self._expand(request)
        return v2_response(
            request, 200, envelope([award_json(award, self.ctx.urls, expand_bc, expand_issuer)])
        )

    def put_award(self, request: Request) -> Response:
        denied = self._auth(request, ("rw:backpack",))
        award = self._find(request.params["id"])
        if denied or award is None:
            return denied or not_found(request)
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, RecursionError):
            return v2_response(
                request,
                400,
                error_envelope("bad request", validation_errors=["JSON parse error - Expecting value"]),
            )
        if not isinstance(body, dict):
            message = f"Invalid data. Expected a dictionary, but got {type(body).__name__}."
            return v2_response(request, 400, error_envelope("bad request", validation_errors=[message]))
        value = body.get("acceptance")
        if value not in ("Accepted", "Unaccepted", "Rejected", None):
            return v2_response(
                request,
                400,
                error_envelope("bad request", {"acceptance": [f'"{value}" is not a valid choice.']}),
            )
        if value:
            award.acceptance = value
        return v2_response(request, 200, envelope([award_json(award, self.ctx.urls, False, False)]))

    def delete_award(self, request: Request) -> Response:
        denied = self._auth(request, ("rw:backpack",))
        award = self._find(request.params["id"])
        if denied or award is None:
            return denied or not_found(request)
        award.acceptance = "Rejected"
        return Response(204)

    def award_image(self, request: Request) -> Response:
        denied = self._auth(request, READ_BACKPACK)
        award = self._find(request.params["id"])
        if denied or award is None:
            return denied or not_found(request)
        return Response(302, headers=[("Location", f"{self.ctx.urls.assertion(award)}/image")])

    def share(self, request: Request) -> Response:
        provider = (request.arg("provider") or "").lower()
        if not provider:
            return json_response(400, {"error": "unspecified share provider"})
        award = self._find(request.params["id"])
        if award is None:
            return Response(404)
        url = share_url(provider, award, self.ctx.urls, request.flag("include_identifier"))
        if url is None:
            return json_response(400, {"error": "invalid share provider"})
        if (request.arg("redirect") or "1").lower() in ("0", "false"):
            return json_response(200, {"url": url})
        return Response(302, headers=[("Location", url)])
