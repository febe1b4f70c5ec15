"""Fault injection for the sandbox (``--faults SPEC``; the syntax is in ``cli.FAULTS_HELP``).

Faults turn the sandbox into the hostile network and misbehaving server that the client must
survive (../shared/SECURITY.md tests 39, 42-45): latency, 429 with Retry-After, 5xx, truncated
JSON, a captive-portal HTML page and a stalled body. Random choices use one seeded generator so
a failing run can be repeated with the same ``--seed``.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from backpack_desktop.domain.errors import FaultSpecError
from backpack_desktop.sandbox.http import Request, Response, html_response, json_response

KINDS = ("latency", "throttle", "error", "truncate", "portal", "stall", "link")
_KEYS = {
    "latency": {"ms"},
    "throttle": {"retry_after"},
    "error": {"code"},
    "truncate": {"mode"},
    "portal": set(),
    "link": {"next"},
    "stall": {"seconds"},
}
_COMMON = {"rate", "count", "path"}

PORTAL_PAGE = """<!DOCTYPE html><html><head><title>Wi-Fi sign-in</title></head>
<body><h1>Welcome to Conference Wi-Fi</h1><p>Accept the terms to continue.</p>
<form method="post" action="/accept"><button>Accept</button></form></body></html>"""


@dataclass
class FaultRule:
    """One parsed rule; ``remaining`` counts down when ``count`` was given."""

    kind: str
    rate: float = 1.0
    path: str = "/"
    remaining: int | None = None
    params: dict[str, str] = field(default_factory=dict)

    def matches(self, request: Request, rng: random.Random) -> bool:
        """Decide (and consume) whether this rule fires for ``request``."""
        if not request.path.startswith(self.path):
            return False
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.rate < 1.0 and rng.random() >= self.rate:
            return False
        if self.remaining is not None:
            self.remaining -= 1
        return True


def parse_spec(spec: str) -> list[FaultRule]:
    """Parse a SPEC string into rules.

    Raises:
        FaultSpecError: with a message naming the offending rule.
    """
    rules = []
    for chunk in filter(None, (c.strip() for c in spec.split(";"))):
        kind, _, rest = chunk.partition(":")
        kind = kind.strip()
        if kind not in KINDS:
            raise FaultSpecError(f"unknown fault kind {kind!r} (expected one of {', '.join(KINDS)})")
        params = _parse_params(kind, rest)
        rules.append(_build_rule(kind, params))
    if not rules:
        raise FaultSpecError("empty fault specification")
    return rules


def _parse_params(kind: str, text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    # Split on commas that start a new key=value, so an HTTP date ("Fri, 04 Dec …") stays whole.
    for item in filter(None, (i.strip() for i in re.split(r",(?=\s*[a-z_]+=)", text))):
        key, sep, value = item.partition("=")
        if not sep or not value:
            raise FaultSpecError(f"{kind}: expected key=value, got {item!r}")
        if key not in _KEYS[kind] | _COMMON:
            allowed = ", ".join(sorted(_KEYS[kind] | _COMMON))
            raise FaultSpecError(f"{kind}: unknown key {key!r} (allowed: {allowed})")
        params[key] = value
    return params


def _build_rule(kind: str, params: dict[str, str]) -> FaultRule:
    rate = _number(kind, "rate", params.pop("rate", "1"))
    if not 0.0 <= rate <= 1.0:
        raise FaultSpecError(f"{kind}: rate must be between 0 and 1")
    count = params.pop("count", None)
    remaining = int(_number(kind, "count", count)) if count is not None else None
    path = params.pop("path", "/")
    if not path.startswith("/"):
        raise FaultSpecError(f"{kind}: path must start with '/'")
    for key in ("ms", "seconds"):
        if key in params:
            _number(kind, key, params[key])
    if "code" in params and not 500 <= _number(kind, "code", params["code"]) <= 599:
        raise FaultSpecError(f"{kind}: code must be 500..599")
    if params.get("mode", "body") not in ("body", "connection"):
        raise FaultSpecError(f"{kind}: mode must be body or connection")
    return FaultRule(kind, rate, path, remaining, params)


def _number(kind: str, key: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise FaultSpecError(f"{kind}: {key} must be a number, not {value!r}") from None
    if number < 0:
        raise FaultSpecError(f"{kind}: {key} must not be negative")
    return number


class FaultInjector:
    """Apply parsed rules to responses; thread-safe because the server is threaded."""

    def __init__(self, rules: list[FaultRule], seed: int) -> None:
        self._rules = rules
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.injected: dict[str, int] = {kind: 0 for kind in KINDS}

    def wrap(self, request: Request, handler: Callable[[Request], Response]) -> Response:
        """Run ``handler`` for ``request`` with the faults that fire for it.

        Latency delays the answer; throttle, error and portal replace it (the handler is not
        called, as when a proxy answers); truncate and stall damage the real answer in transit.
        """
        with self._lock:
            fired = [rule for rule in self._rules if rule.matches(request, self._rng)]
            for rule in fired:
                self.injected[rule.kind] += 1
        delay = sum(float(r.params.get("ms", "200")) for r in fired if r.kind == "latency")
        if delay:
            time.sleep(delay / 1000.0)
        for rule in fired:
            replacement = _replacement(rule)
            if replacement is not None:
                return replacement
        response = handler(request)
        for rule in fired:
            if rule.kind == "truncate":
                response.truncate = rule.params.get("mode", "body")
            elif rule.kind == "stall":
                response.stall_seconds = float(rule.params.get("seconds", "30"))
            elif rule.kind == "link":  # a pagination hazard: a next page the client must vet
                response.headers.append(("Link", f'<{rule.params.get("next", "/")}>; rel="next"'))
        return response


def _replacement(rule: FaultRule) -> Response | None:
    if rule.kind == "throttle":
        resp = json_response(429, {"detail": "Request was throttled."})
        resp.headers.append(("Retry-After", rule.params.get("retry_after", "1")))
        return resp
    if rule.kind == "error":
        code = int(float(rule.params.get("code", "503")))
        return html_response(code, f"<h1>Server Error ({code})</h1>")
    if rule.kind == "portal":
        return html_response(200, PORTAL_PAGE)
    return None
