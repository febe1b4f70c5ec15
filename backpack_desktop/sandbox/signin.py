"""The browser origins: the Canvas Credentials UI (``/auth/oauth2/authorize``) and a Canvas LMS.

The UI origin serves the sign-in form, the "Sign in with Canvas" hop and the consent page, then
redirects to ``redirect_uri?code=…&state=…`` (or ``?error=access_denied&state=…`` on Deny), as
badgr-ui does after its ``POST /o/authorize``. An unknown client or an unregistered
``redirect_uri`` gets an error page and no redirect (RFC 6749 section 4.1.2.1). The Canvas
origin plays the learner's LMS: its own login form, then back to the UI with a code.

An OpenID Connect ``nonce`` rides along with the other authorize parameters (in ``next`` and in
the consent form's hidden fields) and is stored with the code, together with the time the
learner signed in, for the ID token (``oidc.py``).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from backpack_desktop.sandbox import oauth, pages
from backpack_desktop.sandbox.dataset import Dataset
from backpack_desktop.sandbox.http import Request, Response, Router, html_response, redirect
from backpack_desktop.sandbox.serializers import Urls

SESSION_COOKIE = "badgr_sandbox_session"
CANVAS_CLIENT = "badgr-sandbox-canvas"
_OAUTH_FIELDS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
)


@dataclass
class BrowserState:
    """Server-side sessions of both browser origins. Thread-safe."""

    sessions: dict[str, str] = field(default_factory=dict)  # session id -> csrf token
    canvas_states: dict[str, str] = field(default_factory=dict)  # state -> next URL on the UI
    canvas_codes: dict[str, str] = field(default_factory=dict)  # code -> (unused) marker
    signed_in_at: dict[str, float] = field(default_factory=dict)  # session id -> wall clock
    lock: threading.Lock = field(default_factory=threading.Lock)

    def new_session(self) -> str:
        """Create a signed-in session; return its id."""
        sid = secrets.token_urlsafe(24)
        with self.lock:
            self.sessions[sid] = secrets.token_urlsafe(16)
            self.signed_in_at[sid] = time.time()
        return sid

    def csrf(self, request: Request) -> str | None:
        """The CSRF token of the request's session, or None when not signed in."""
        with self.lock:
            return self.sessions.get(request.cookie(SESSION_COOKIE) or "")

    def auth_time(self, request: Request) -> float | None:
        """When the request's session signed in (the ID token's ``auth_time``), or None."""
        with self.lock:
            return self.signed_in_at.get(request.cookie(SESSION_COOKIE) or "")


def _with_params(uri: str, params: dict[str, str]) -> str:
    """Append query parameters, keeping any the registered URI already has."""
    return uri + ("&" if "?" in uri else "?") + urlencode(params)


def _login_response(state: BrowserState, next_url: str) -> Response:
    sid = state.new_session()
    cookie = f"{SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax"
    return Response(303, headers=[("Location", next_url), ("Set-Cookie", cookie)])


def build_ui_router(
    data: Dataset, urls: Urls, authority: oauth.TokenAuthority, state: BrowserState, canvas_url: str
) -> Router:
    """Routes of the Canvas Credentials UI origin."""
    routes = _UiRoutes(data, urls, authority, state, canvas_url)
    router = Router()
    router.add("GET", r"/", routes.home)
    router.add("GET", r"/auth/oauth2/authorize", routes.authorize)
    router.add("POST", r"/auth/oauth2/authorize", routes.decide)
    router.add("POST", r"/auth/login", routes.login)
    router.add("POST", r"/auth/logout", routes.logout)
    router.add("GET", r"/auth/canvas/start", routes.canvas_start)
    router.add("GET", r"/auth/canvas/callback", routes.canvas_callback)
    router.add("GET", r"/public/assertions/(?P<id>[A-Za-z0-9_-]+)", routes.public_award)
    return router


class _UiRoutes:
    def __init__(
        self, data: Dataset, urls: Urls, authority: oauth.TokenAuthority, state: BrowserState, canvas_url: str
    ) -> None:
        self.data, self.urls, self.authority = data, urls, authority
        self.state, self.canvas_url = state, canvas_url.rstrip("/")

    def home(self, request: Request) -> Response:
        return html_response(
            200, pages.badgr_error("Canvas Credentials sandbox", "Sign in from Backpack Desktop to continue.")
        )

    def _check(self, params: dict[str, str]) -> tuple[oauth.Client | None, str | None]:
        client = self.authority.clients.get(params.get("client_id", ""))
        if client is None:
            return None, "This application is not registered with Canvas Credentials."
        if not self.authority.redirect_allowed(client, params.get("redirect_uri", "")):
            return None, "The redirect address of this application is not registered."
        if params.get("response_type") != "code":
            return None, "Only response_type=code is supported."
        return client, None

    def authorize(self, request: Request) -> Response:
        params = {k: request.arg(k) or "" for k in _OAUTH_FIELDS}
        client, problem = self._check(params)
        if client is None:
            return html_response(400, pages.badgr_error("Sign-in request rejected", problem or ""))
        next_url = "/auth/oauth2/authorize?" + urlencode({k: v for k, v in params.items() if v})
        csrf = self.state.csrf(request)
        if csrf is None:
            canvas = "/auth/canvas/start?" + urlencode({"next": next_url})
            return html_response(200, pages.badgr_login(next_url, canvas))
        asked = tuple(s for s in params["scope"].split() if s in client.allowed_scopes)
        scopes = asked or oauth.default_scopes(client)
        fields = {k: v for k, v in params.items() if v} | {"csrf": csrf}
        name = f"{self.data.user.first_name} {self.data.user.last_name}"
        return html_response(200, pages.badgr_consent(client.name, name, scopes, fields))

    def decide(self, request: Request) -> Response:
        form = request.form()
        csrf = self.state.csrf(request)
        if csrf is None or not hmac.compare_digest(form.get("csrf", ""), csrf):
            return html_response(403, pages.badgr_error("Session expired", "Please start signing in again."))
        client, problem = self._check(form)
        if client is None:
            return html_response(400, pages.badgr_error("Sign-in request rejected", problem or ""))
        uri, app_state = form["redirect_uri"], form.get("state", "")
        if form.get("decision") != "allow":
            return redirect(_with_params(uri, {"error": "access_denied", "state": app_state}))
        try:
            code, scopes = self.authority.create_code(
                client,
                uri,
                form.get("scope"),
                form.get("code_challenge") or None,
                form.get("code_challenge_method") or "S256",
                nonce=form.get("nonce") or None,
                auth_time=self.state.auth_time(request),
            )
        except oauth.OAuthError as exc:
            return redirect(_with_params(uri, {"error": str(exc), "state": app_state}))
        return redirect(_with_params(uri, {"code": code, "state": app_state, "scope": " ".join(scopes)}))

    def login(self, request: Request) -> Response:
        form = request.form()
        next_url = form.get("next", "")
        if not next_url.startswith("/auth/oauth2/authorize?"):
            return html_response(400, pages.badgr_error("Bad request", "Missing sign-in request."))
        user = self.data.user
        good = form.get("email", "").strip().lower() == user.primary_email.lower() and hmac.compare_digest(
            form.get("password", "").encode(), user.password.encode()
        )
        if not good:
            canvas = "/auth/canvas/start?" + urlencode({"next": next_url})
            page = pages.badgr_login(next_url, canvas, "Invalid email or password.", form.get("email", ""))
            return html_response(200, page)
        return _login_response(self.state, next_url)

    def logout(self, request: Request) -> Response:
        with self.state.lock:
            self.state.sessions.pop(request.cookie(SESSION_COOKIE) or "", None)
            self.state.signed_in_at.pop(request.cookie(SESSION_COOKIE) or "", None)
        return Response(
            303, headers=[("Location", "/"), ("Set-Cookie", f"{SESSION_COOKIE}=; Path=/; Max-Age=0")]
        )

    def canvas_start(self, request: Request) -> Response:
        next_url = request.arg("next") or ""
        if not next_url.startswith("/auth/oauth2/authorize?"):
            return html_response(400, pages.badgr_error("Bad request", "Missing sign-in request."))
        nonce = secrets.token_urlsafe(16)
        with self.state.lock:
            self.state.canvas_states[nonce] = next_url
        query = urlencode(
            {
                "client_id": CANVAS_CLIENT,
                "response_type": "code",
                "state": nonce,
                "redirect_uri": f"{self.urls.ui}/auth/canvas/callback",
            }
        )
        return redirect(f"{self.canvas_url}/login/oauth2/auth?{query}")

    def canvas_callback(self, request: Request) -> Response:
        with self.state.lock:
            next_url = self.state.canvas_states.pop(request.arg("state") or "", None)
            code_ok = self.state.canvas_codes.pop(request.arg("code") or "", None) is not None
        if next_url is None:
            return html_response(
                400, pages.badgr_error("Canvas sign-in failed", "The sign-in request expired.")
            )
        if not code_ok:
            return html_response(
                200, pages.badgr_error("Canvas sign-in cancelled", "You did not sign in with Canvas.")
            )
        return _login_response(self.state, next_url)

    def public_award(self, request: Request) -> Response:
        award = self.data.award(request.params["id"])
        if award is None or award.pending:
            return html_response(404, pages.badgr_error("Not found", "This badge does not exist."))
        bc = award.badgeclass
        page = pages.badgr_public_award(
            bc.name,
            bc.issuer.name,
            award.issued_on.date().isoformat(),
            f"{self.urls.assertion(award)}/image",
            bc.description,
        )
        return html_response(200, page)


def build_canvas_router(data: Dataset, state: BrowserState, ui_url: str) -> Router:
    """Routes of the Canvas LMS origin (the "Sign in with Canvas" hop)."""
    callback = f"{ui_url.rstrip('/')}/auth/canvas/callback"

    def login_page(request: Request) -> Response:
        if request.arg("client_id") != CANVAS_CLIENT or request.arg("redirect_uri") != callback:
            return html_response(400, pages.badgr_error("Canvas", "Unknown developer key or redirect URI."))
        fields = {"state": request.arg("state") or ""}
        cancel = _with_params(callback, {"error": "access_denied", "state": fields["state"]})
        return html_response(200, pages.canvas_login(fields, cancel))

    def login(request: Request) -> Response:
        form = request.form()
        user = data.user
        ok = form.get("username", "").strip().lower() == user.primary_email.lower() and hmac.compare_digest(
            form.get("password", "").encode(), user.password.encode()
        )
        if not ok:
            cancel = _with_params(callback, {"error": "access_denied", "state": form.get("state", "")})
            page = pages.canvas_login(
                {"state": form.get("state", "")}, cancel, "Invalid username or password."
            )
            return html_response(200, page)
        code = secrets.token_urlsafe(16)
        with state.lock:
            state.canvas_codes[code] = "issued"
        return redirect(_with_params(callback, {"code": code, "state": form.get("state", "")}))

    router = Router()
    router.add("GET", r"/login/oauth2/auth", login_page)
    router.add("POST", r"/login/canvas", login)
    return router
