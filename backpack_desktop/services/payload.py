"""Reading and judging response bodies: size and time limits, JSON by parsing, the v2 envelope.

A body is judged by what it is, not by what its Content-Type claims: Badgr labels JSON-LD and
even JSON errors inconsistently (a 429 from ``/o/token`` is JSON marked ``text/html``), while a
captive portal answers 200 with a web page. Truncation, size and nesting are checked here so a
hostile or broken network can never hand half a backpack to the sync (SECURITY.md T22, T29).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError

from backpack_desktop.domain.errors import (
    AuthError,
    CancelledError,
    CaptivePortalError,
    MalformedDataError,
    NetworkError,
    ResponseTooLargeError,
    RetryLaterError,
    ServerError,
    TimeoutExpiredError,
    UserFacingError,
)
from backpack_desktop.services.transport import CUT_OFF, TOO_SLOW, busy_message, status_error

CHUNK = 64 * 1024
PORTAL = "The network returned a web page instead of data. A network login may be required."
TOO_LARGE = "The server's reply is larger than this app accepts."
TOO_DEEP = "The server's reply is nested too deeply to be read safely."
NOT_JSON = "The server's reply could not be read."
BAD_SHAPE = "The server's reply does not have the expected format."
# A JSON error this close to the end of the text means the text stopped early (a literal,
# number or \\uXXXX escape cut in the middle), not that it is garbage.
_END_SLACK = 8
_DRAIN_LIMIT = 64 * 1024


def read_body(
    response: requests.Response,
    limit: int,
    deadline: float,
    cancel: threading.Event | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> bytes:
    """Read a streamed body in chunks, enforcing size, deadline and cancellation.

    ``read1`` returns whatever arrived, so a server dripping one byte a second still meets the
    deadline check after each byte instead of filling a 64 KiB buffer first.

    Raises:
        ResponseTooLargeError: above ``limit`` (declared or counted).
        TimeoutExpiredError: the deadline passed or a read timed out.
        NetworkError: the body was cut off (Content-Length mismatch, broken chunking).
        CancelledError: ``cancel`` was set.
    """
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ResponseTooLargeError(TOO_LARGE)
    buffer = bytearray()
    try:
        while True:
            if cancel is not None and cancel.is_set():
                raise CancelledError("The download was cancelled.")
            if time.monotonic() > deadline:
                raise TimeoutExpiredError(TOO_SLOW)
            chunk = response.raw.read1(CHUNK, decode_content=True)
            if not chunk:
                return bytes(buffer)
            buffer += chunk
            if len(buffer) > limit:
                raise ResponseTooLargeError(TOO_LARGE)
            if on_bytes is not None:
                on_bytes(len(chunk))
    except ReadTimeoutError:
        raise TimeoutExpiredError(TOO_SLOW) from None
    except (Urllib3Error, OSError):
        raise NetworkError(CUT_OFF) from None


def discard(response: requests.Response) -> None:
    """Close a response whose body we do not need, keeping the connection when that is cheap.

    Closing an unread response drops its connection; for a short declared body (a 401, 404 or
    redirect) reading the rest is cheaper than a new TCP (and TLS) handshake for the retry.
    """
    declared = response.headers.get("Content-Length", "")
    if response.status_code in (204, 304) or (declared.isdigit() and int(declared) <= _DRAIN_LIMIT):
        with contextlib.suppress(Urllib3Error, OSError):
            while response.raw.read1(CHUNK, decode_content=False):
                pass
    response.close()


def mime_type(response: requests.Response) -> str:
    """The bare media type of the response, lower-case (``""`` when absent)."""
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


def decode_json(data: bytes, content_type: str, max_depth: int) -> Any:
    """Parse ``data`` as JSON whatever its label says; classify every failure for the user.

    Raises:
        CaptivePortalError: the body is a web page (starts with ``<``, or HTML that is not JSON).
        NetworkError: the JSON stops early (a reply cut off in transit).
        ResponseTooLargeError: nesting deeper than ``max_depth``.
        MalformedDataError: anything else that is not plain JSON, including NaN and Infinity.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.end >= len(data) - 3:  # a multi-byte character cut at the very end
            raise NetworkError(CUT_OFF) from None
        raise MalformedDataError(NOT_JSON) from None
    body = text.strip()
    if body.startswith("<"):
        raise CaptivePortalError(PORTAL)
    try:
        value = json.loads(body, parse_constant=_reject_constant)
    except RecursionError:
        raise ResponseTooLargeError(TOO_DEEP) from None
    except json.JSONDecodeError as exc:
        if content_type == "text/html":
            raise CaptivePortalError(PORTAL) from None
        if exc.pos >= len(body) - _END_SLACK or exc.msg.startswith("Unterminated string"):
            raise NetworkError(CUT_OFF) from None
        raise MalformedDataError(NOT_JSON) from None
    except ValueError:
        raise MalformedDataError(NOT_JSON) from None
    check_depth(value, max_depth)
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def check_depth(value: Any, max_depth: int) -> None:
    """Walk the parsed value iteratively; reject nesting deeper than ``max_depth``.

    Iterative on purpose: a recursive walk would itself blow the stack on the input it guards.
    """
    stack: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        if depth > max_depth:
            raise ResponseTooLargeError(TOO_DEEP)
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def envelope_results(body: Any) -> list[dict[str, Any]]:
    """The ``result`` list of a v2 envelope ``{"status": {...}, "result": [...]}``.

    Unknown keys beside ``status`` and ``result`` (``timestamp``, ``warnings``, ...) are ignored.

    Raises:
        MalformedDataError: not an envelope, or ``result`` is not a list of objects.
        ServerError: the envelope says the request failed.
    """
    if not isinstance(body, dict) or not isinstance(body.get("status"), dict) or "result" not in body:
        raise MalformedDataError(BAD_SHAPE)
    if body["status"].get("success") is not True:
        raise ServerError("The server reported that the request failed.")
    result = body["result"]
    if not isinstance(result, list) or not all(isinstance(item, dict) for item in result):
        raise MalformedDataError(BAD_SHAPE)
    return result


_OAUTH_MESSAGES = {
    "invalid_grant": "Your sign-in details were not accepted. Please sign in again.",
    "invalid_client": "This app is not registered with the server.",
    "invalid client_id": "This app is not registered with the server.",
    "invalid client_secret": "This app is not registered with the server.",
    "invalid_scope": "The server refused the permissions this app asks for.",
    "invalid scope requested": "The server refused the permissions this app asks for.",
}


def oauth_error(
    response: requests.Response,
    raw: bytes,
    retry_after: float | None,
    messages: Mapping[str, str] | None = None,
) -> UserFacingError:
    """Map a failed token-endpoint answer to an error for the user.

    django-oauth-toolkit answers ``{"error": code, ...}``; Badgr's login back-off is a 429 whose
    JSON body (labelled ``text/html``) says in ``expires`` how many seconds to wait. The server's
    own ``error_description`` is never shown: it is server-controlled text.
    """
    status = response.status_code
    try:
        body = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if status == 429:
        expires = body.get("expires") if isinstance(body, dict) else None
        wait = float(expires) if isinstance(expires, (int, float)) and expires > 0 else retry_after
        message = "Too many sign-in attempts. " + busy_message(wait).removeprefix("The server is busy. ")
        return RetryLaterError(message, retry_after=wait)
    if 400 <= status < 500 and isinstance(error, str):
        known = {**_OAUTH_MESSAGES, **(messages or {})}
        return AuthError(known.get(error, "The server refused the sign-in request."))
    return status_error(status, retry_after)
