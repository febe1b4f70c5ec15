"""Start and stop the sandbox: three loopback origins (API, UI, Canvas) over one dataset."""

from __future__ import annotations

import ipaddress
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from backpack_desktop.domain.errors import UserFacingError
from backpack_desktop.sandbox import dataset, oauth
from backpack_desktop.sandbox.api import ApiContext, build_api_router, not_found
from backpack_desktop.sandbox.faults import FaultInjector, parse_spec
from backpack_desktop.sandbox.http import Application, Request, Response, SandboxHTTPServer, json_response
from backpack_desktop.sandbox.images import ImageStore
from backpack_desktop.sandbox.oidc import OPENID, IdTokenIssuer
from backpack_desktop.sandbox.serializers import Urls
from backpack_desktop.sandbox.signin import BrowserState, build_canvas_router, build_ui_router
from backpack_desktop.sandbox.signing import Signer

#: The OAuth client registered for the desktop app (public client: PKCE, no secret).
APP_CLIENT_ID = "backpack-desktop"
APP_REDIRECT_URI = "http://127.0.0.1/callback"


@dataclass(frozen=True)
class SandboxConfig:
    """How to run the sandbox; the defaults give the demo backpack on free ports."""

    host: str = "127.0.0.1"
    port: int = 0
    badges: int | None = None
    seed: int = 1
    faults: str | None = None
    token_lifetime: float = 86400.0
    backoff_base: float = 2.0
    password: str | None = None


class SandboxServer:
    """A running sandbox. Use as a context manager, or call :meth:`start` and :meth:`stop`.

    Attributes:
        info: the JSON-able connection details printed on start (URLs, client, credentials).
        authority: the token authority (tests inspect it).
        id_tokens: the OpenID Connect ID-token signer (its ``now`` clock can be replaced).
        faults: the fault injector, or None.
    """

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        try:
            loopback = ipaddress.ip_address(self.config.host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise UserFacingError(
                f"the sandbox only listens on a loopback IP address, not {self.config.host!r}"
            )
        self.faults = (
            FaultInjector(parse_spec(self.config.faults), self.config.seed) if self.config.faults else None
        )
        self._servers: list[SandboxHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self.info: dict[str, Any] = {}

    def start(self) -> SandboxServer:
        """Bind the three origins, build the data and serve in background threads."""
        cfg = self.config
        ports = [cfg.port, cfg.port + 1, cfg.port + 2] if cfg.port else [0, 0, 0]
        placeholder: Application = lambda request: json_response(503, {})  # noqa: E731
        try:
            self._servers = [SandboxHTTPServer((cfg.host, p), placeholder) for p in ports]
        except OSError as exc:
            self._close()
            raise UserFacingError(f"cannot listen on {cfg.host}:{cfg.port}: {exc.strerror}") from exc
        api, ui, canvas = (self._origin(s) for s in self._servers)
        self._wire(api, ui, canvas)
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, name="sandbox", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _origin(self, server: SandboxHTTPServer) -> str:
        host = self.config.host if ":" not in self.config.host else f"[{self.config.host}]"
        return f"http://{host}:{server.server_address[1]}"

    def _wire(self, api: str, ui: str, canvas: str) -> None:
        cfg = self.config
        password = cfg.password or secrets.token_urlsafe(12)
        anchor = dataset.anchor_day(datetime.now(UTC))
        data = (
            dataset.generate(cfg.badges, cfg.seed, password, anchor)
            if cfg.badges
            else dataset.load_demo(cfg.seed, password, anchor)
        )
        urls = Urls(api, ui)
        self.id_tokens = IdTokenIssuer(api, ui)
        self.authority = oauth.TokenAuthority(
            data.user, _clients(), cfg.token_lifetime, cfg.backoff_base, id_tokens=self.id_tokens
        )
        self.data = data
        images = ImageStore(urls, Signer(cfg.seed, urls))
        ctx = ApiContext(data, urls, self.authority, images, id_tokens=self.id_tokens)
        api_router, browser = build_api_router(ctx), BrowserState()
        ui_router = build_ui_router(data, urls, self.authority, browser, canvas)
        canvas_router = build_canvas_router(data, browser, ui)
        self._servers[0].app = self._api_app(api_router)
        self._servers[1].app = lambda r: ui_router.dispatch(r, _html_not_found)
        self._servers[2].app = lambda r: canvas_router.dispatch(r, _html_not_found)
        self.info = {
            "api": api,
            "ui": ui,
            "canvas": canvas,
            "client_id": APP_CLIENT_ID,
            "redirect_uri": APP_REDIRECT_URI,
            "username": data.user.primary_email,
            "password": password,
        }

    def _api_app(self, router: Any) -> Application:
        def app(request: Request) -> Response:
            def handle(req: Request) -> Response:
                return router.dispatch(req, _api_not_found)  # type: ignore[no-any-return]

            return self.faults.wrap(request, handle) if self.faults else handle(request)

        return app

    def hits(self, prefix: str = "/") -> int:
        """How many requests the API origin served for paths starting with ``prefix``."""
        if not self._servers:
            return 0
        hits = self._servers[0].hits
        return sum(n for path, n in list(hits.items()) if path.startswith(prefix))

    def reset_hits(self) -> None:
        """Forget the request counts (between phases of a test)."""
        if self._servers:
            self._servers[0].hits.clear()

    def stop(self) -> None:
        """Stop serving, end stalled responses and close the sockets."""
        for server in self._servers:
            server.stopping.set()
            server.shutdown()
        for thread in self._threads:
            thread.join(timeout=5)
        self._close()

    def _close(self) -> None:
        for server in self._servers:
            server.server_close()
        self._servers, self._threads = [], []

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _clients() -> dict[str, oauth.Client]:
    """The registered OAuth clients: Badgr's own web UI (``public``) and the desktop app."""
    return {
        "public": oauth.Client("public", "Canvas Credentials", (*oauth.PUBLIC_SCOPES.split(), OPENID)),
        APP_CLIENT_ID: oauth.Client(
            APP_CLIENT_ID,
            "Backpack Desktop",
            ("r:profile", "rw:profile", "r:backpack", "rw:backpack", OPENID),
            (APP_REDIRECT_URI,),
        ),
    }


def _api_not_found(request: Request) -> Response:
    if request.path.startswith("/v2/"):
        return not_found(request)
    return json_response(404, {"detail": "Not found."})


def _html_not_found(request: Request) -> Response:
    return Response(404, b"<h1>Not Found</h1>", "text/html; charset=utf-8")
