"""The error hierarchy shared by every layer.

Services raise subclasses of :class:`BackpackError`. Those the user should read derive from
:class:`UserFacingError`; their message is one plain sentence that is safe to show (it never
contains a token, password, code, verifier or e-mail address). The command line prints
``str(exc)`` on one line; the GUI shows it through ``ui.messages.show_error``.
"""

from __future__ import annotations


class BackpackError(Exception):
    """Base class of every error raised on purpose by Backpack Desktop."""


class UserFacingError(BackpackError):
    """An error whose message is written for the user and safe to display."""


class BakingError(UserFacingError):
    """An image could not be baked or its Open Badges data could not be read."""


class NoBadgeDataError(BakingError):
    """The image is valid but carries no Open Badges data."""


class UnsafeXmlError(BakingError):
    """An SVG image uses XML entities or external references, which are refused for safety.

    Entity declarations are how billion-laughs bombs and external-entity file reads work, and
    a badge image never needs them, so any of them rejects the whole image.
    """


class BadgeFileError(UserFacingError):
    """A file offered as a badge is not one, or is malformed or too large."""


class FaultSpecError(UserFacingError):
    """A sandbox ``--faults`` specification could not be parsed."""


class MalformedDataError(UserFacingError):
    """Data from the server or a file does not have the expected shape."""


# -- network (services/http.py, services/auth.py) ------------------------------------------
class NetworkError(UserFacingError):
    """The server could not be reached or the connection broke."""


class TimeoutExpiredError(NetworkError):
    """A request or the whole operation ran past its deadline."""


class ServerError(UserFacingError):
    """The server answered with an error that retrying did not cure (5xx, unexpected status)."""


class ThrottledError(ServerError):
    """The server asked us to slow down (429) for longer than we are willing to wait."""


class CaptivePortalError(UserFacingError):
    """A web page came back instead of data: typically a Wi-Fi login page."""


class ResponseTooLargeError(UserFacingError):
    """A response exceeded the size or nesting limit."""


class AuthError(UserFacingError):
    """Sign-in failed or the session ended; the user must sign in again."""


class CancelledError(BackpackError):
    """The user cancelled a long operation; nothing was changed."""


# -- the encrypted cache (services/cache.py, services/keys.py) ------------------------------
class CacheError(UserFacingError):
    """The local cache cannot be used as it is."""


class CacheIntegrityError(CacheError):
    """A record or the header failed authentication: the file was damaged or tampered with."""

    def __init__(self, message: str, kind: str | None = None, record_id: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.record_id = record_id


class WrongKeyError(CacheError):
    """The key (keyring entry or passphrase) does not open this cache."""


class KeyUnavailableError(CacheError):
    """The keyring could not be reached right now; try again (never a reason to make a new key)."""


class KeyMissingError(CacheError):
    """The keyring no longer holds this cache's key; the cache must be set aside and re-synced."""


class InsecureKeyringError(CacheError):
    """No secure keyring exists here; a passphrase is needed to protect the cache."""


class UnsupportedCacheVersionError(CacheError):
    """The cache was written by a newer version of the app."""


# -- added for services/http.py and services/auth.py ------------------------------------------
class RetryLaterError(ThrottledError):
    """The server asked us to wait (429 with Retry-After, or a sign-in back-off).

    Attributes:
        retry_after: seconds the server asked us to wait, or None when it did not say; the UI
            uses it to show when the next attempt makes sense.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UnsafeUrlError(UserFacingError):
    """A URL was refused before any connection was made (not https, or a local-network address).

    Issuer-controlled image and evidence URLs could otherwise probe the user's LAN or cloud
    metadata services (SECURITY.md T24); refusing them costs only a placeholder image.
    """


class KeyProtectionChangedError(CacheError):
    """The cache was locked another way (passphrase vs keyring) or in another keyring backend.

    Never a reason to re-key: the file is left intact, and the user switches back or re-syncs.
    """


class CacheNotFoundError(CacheError):
    """There is no cache in the data directory yet; a sync creates one."""


# -- added for browser sign-in and sign-out (services/oauth_flow.py, loopback.py, token_store.py)
class SignInCancelledError(AuthError):
    """The user declined the request in the browser (``error=access_denied``) or cancelled it."""


class CallbackRejectedError(AuthError):
    """A redirect back to the app did not belong to the pending sign-in and was ignored.

    Missing or wrong ``state``, a second callback, or another host or path: login CSRF and
    code injection look exactly like this (SECURITY.md T13), so the token endpoint is never
    contacted for it. The pending sign-in itself stays open for its real callback.
    """


class SignInTimeoutError(AuthError):
    """The browser did not come back to the app before the sign-in's time limit."""


class SecretTooLargeError(InsecureKeyringError):
    """A secret is too large for the keyring and there is no encrypted cache to hold it.

    A subclass of InsecureKeyringError on purpose: for the caller both mean the same thing,
    "this sign-in cannot be remembered on this device; keep it in memory only".
    """


# -- OpenID Connect (services/oidc.py) -------------------------------------------------------------
class IdTokenError(AuthError):
    """An OpenID Connect ID token was refused (SECURITY.md T18); the sign-in must not proceed.

    The message is one sentence naming the failed check and never quotes the token or its
    claims, since those identify the user and could be replayed from a log or crash report.

    Attributes:
        reason: a short fixed code for the failed check (``"algorithm"``, ``"issuer"``,
            ``"nonce"``, ...), so callers and tests can tell rejections apart without parsing
            the message.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason
