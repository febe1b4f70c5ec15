"""Where the app talks to: one Canvas Credentials deployment (region, custom or sandbox)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServerEndpoints:
    """The origins of one deployment.

    Attributes:
        label: what the user calls it ("US", "Demo sandbox", …).
        api: API base URL (``https://api.badgr.io``).
        ui: browser UI base URL (``https://badgr.com``), home of the sign-in page.
        canvas: the learner's Canvas LMS origin for "Sign in with Canvas", when known.
        demo: True for the built-in sandbox.
    """

    label: str
    api: str
    ui: str
    canvas: str | None = None
    demo: bool = False
