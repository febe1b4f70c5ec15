"""``backpack-desktop sandbox``: serve until SIGINT or SIGTERM, then exit 0."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from types import FrameType

from backpack_desktop.sandbox.server import SandboxConfig, SandboxServer


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    """Translate parsed command-line options into a config."""
    return SandboxConfig(
        host=args.host,
        port=args.port,
        badges=args.badges,
        seed=args.seed,
        faults=args.faults,
        token_lifetime=float(args.token_lifetime),
    )


def run_from_args(args: argparse.Namespace) -> int:
    """Start the sandbox, print ONE JSON line with its details, serve until a signal."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with SandboxServer(config_from_args(args)) as server:
            sys.stdout.write(json.dumps(server.info) + "\n")
            sys.stdout.flush()
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
