"""Allow ``python -m backpack_desktop``."""

from backpack_desktop.cli import main

raise SystemExit(main())
