"""A local Canvas Credentials (Badgr) server for demo mode and the tests.

It reproduces the API of ../shared/reference/canvas-credentials-api.md over real HTTP on
loopback: three origins (API, browser UI, and a Canvas LMS that plays the "Sign in with Canvas"
hop), the token grants, the backpack and public endpoints, baked images and fault injection.
Nothing here imports Qt; ``ui`` never imports it either (only ``app`` and ``cli`` start it).
"""

from backpack_desktop.sandbox.server import SandboxConfig, SandboxServer

__all__ = ["SandboxConfig", "SandboxServer"]
