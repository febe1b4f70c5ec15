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


class NotImplementedYetError(UserFacingError):
    """A documented feature whose implementation has not landed yet."""

    def __init__(self, feature: str) -> None:
        super().__init__(f"{feature} is not implemented yet")
        self.feature = feature


class BakingError(UserFacingError):
    """An image could not be baked or its Open Badges data could not be read."""


class NoBadgeDataError(BakingError):
    """The image is valid but carries no Open Badges data."""


class UnsafeXmlError(BakingError):
    """An SVG image uses XML entities or external references, which are refused for safety.

    Entity declarations are how billion-laughs bombs and external-entity file reads work, and
    a badge image never needs them, so any of them rejects the whole image.
    """


class FaultSpecError(UserFacingError):
    """A sandbox ``--faults`` specification could not be parsed."""
