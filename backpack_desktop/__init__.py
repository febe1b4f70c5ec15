"""Backpack Desktop: an offline badge wallet for Canvas Credentials (Badgr).

Layers (imports point downward only): ``ui`` -> ``services`` -> ``domain``. ``sandbox`` is a
self-contained Canvas Credentials server used by demo mode and the tests; it may use
``domain`` but nothing imports it except ``cli`` and ``app``.
"""

__version__ = "0.1.0"

APP_NAME = "Backpack Desktop"
#: Reverse-DNS application id, used for the .desktop file, AppStream and the Flatpak id.
APP_ID = "io.github.backpackdesktop.BackpackDesktop"
