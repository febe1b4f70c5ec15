"""The command line: ``backpack-desktop [--demo] [--kiosk [--config FILE]]`` and its sub-commands.

Sub-commands call services, never ``ui``. Qt is imported only when the window is opened, so
``--version`` and the sub-commands start fast and work on machines without a display.
Errors print one line on stderr and exit non-zero; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from backpack_desktop import APP_NAME, __version__
from backpack_desktop.domain.errors import BackpackError
from backpack_desktop.services.paths import DATA_DIR_ENV, PASSPHRASE_ENV
from backpack_desktop.services.redact import install_redaction

PROG = "backpack-desktop"
STATUSES = ("active", "expired", "revoked", "pending", "new")
SHARE_PROVIDERS = (
    "link",
    "linkedin",
    "linkedin-profile",
    "twitter",
    "facebook",
    "pinterest",
    "email",
    "embed",
)

FAULTS_HELP = """\
fault injection SPEC: rules separated by ';', each KIND[:key=value,...].
  kinds:
    latency   delay every matching response (ms=MILLISECONDS, default 200)
    throttle  answer 429 (retry_after=SECONDS or an HTTP date, default 1)
    error     answer a 5xx (code=500..599, default 503)
    truncate  cut the JSON body in half (mode=body: a short but well-formed reply;
              mode=connection: announce the full length and close early)
    portal    answer 200 text/html, like a Wi-Fi captive portal
    stall     send the headers and part of the body, then stall (seconds=N, default 30)
    link      add a 'Link: <URL>; rel="next"' header (next=URL, default /), e.g. to
              another origin or back to the same page
  keys every kind takes:
    rate=0..1     share of matching requests affected (default 1)
    count=N       affect only the first N matching requests
    path=PREFIX   affect only API paths starting with PREFIX (default: every API path)
  example: --faults 'latency:ms=300;throttle:rate=0.2,retry_after=2;error:code=502,count=3'
  random choices are seeded by --seed, so a run can be repeated.
"""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one clear line (the usage block is behind --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _common_options() -> argparse.ArgumentParser:
    """Options every sub-command accepts."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        help=f"where the encrypted cache lives (default: the platform's user data dir; env {DATA_DIR_ENV})",
    )
    common.add_argument(
        "--passphrase-stdin",
        action="store_true",
        help=f"read the cache passphrase from stdin when no secure keyring exists (or env {PASSPHRASE_ENV})",
    )
    # SUPPRESS: without it the sub-command's default (False) would overwrite a top-level --debug.
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="log details and show tracebacks"
    )
    return common


def _add_commands(sub: argparse._SubParsersAction[_Parser], common: argparse.ArgumentParser) -> None:
    def add(name: str, help_: str, **kw: Any) -> _Parser:
        parents: list[argparse.ArgumentParser] = [common]
        parser: _Parser = sub.add_parser(name, help=help_, description=help_, parents=parents, **kw)  # type: ignore[arg-type]
        return parser

    p = add(
        "sandbox",
        "run the local Canvas Credentials sandbox server",
        epilog=FAULTS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=_port, default=0, help="API port; 0 picks a free one (default 0)")
    p.add_argument(
        "--badges",
        type=_badge_count,
        metavar="N",
        help="serve N generated awards instead of the demo backpack (1..100000)",
    )
    p.add_argument("--seed", type=int, default=1, metavar="S", help="seed for generated data and faults")
    p.add_argument("--faults", metavar="SPEC", help="inject faults (see below)")
    p.add_argument(
        "--token-lifetime",
        type=int,
        default=86400,
        metavar="SECONDS",
        help="access token lifetime (default 86400, as the real server)",
    )

    p = add("sync", "sign in with a password and sync the backpack into the encrypted cache")
    p.add_argument("--server", required=True, metavar="URL", help="API base URL, e.g. https://api.badgr.io")
    p.add_argument("--username", required=True, metavar="EMAIL")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the password from stdin (never from the command line)",
    )

    p = add("list", "list cached badges")
    p.add_argument("--search", metavar="Q", help="words that must all appear in the badge name")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--issuer", metavar="NAME")
    p.add_argument("--json", action="store_true", help="print a JSON array")

    p = add("show", "show one cached badge")
    p.add_argument("id", metavar="ID", help="the award's entityId")
    p.add_argument("--json", action="store_true")

    p = add("download", "save a badge's baked image or its assertion")
    p.add_argument("id", metavar="ID")
    p.add_argument("--format", choices=("png", "svg", "json"), default="png")
    p.add_argument("-o", dest="output", metavar="PATH")

    p = add("share", "print a share link, social share URL or embed snippet")
    p.add_argument("id", metavar="ID")
    p.add_argument("--provider", choices=SHARE_PROVIDERS, default="link")
    p.add_argument("--include-identifier", action="store_true")
    p.add_argument("--qr", metavar="FILE", help="also write the link as a QR code image")

    p = add("certificate", "make a PDF certificate, or print it")
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("-o", dest="output", metavar="FILE.pdf")
    p.add_argument("--template", metavar="NAME")
    p.add_argument(
        "--print",
        dest="printer",
        nargs="?",
        const="",
        metavar="PRINTER",
        help="send to PRINTER (default printer when omitted)",
    )

    p = add("import", "import baked badge images or assertion files")
    p.add_argument("files", nargs="+", metavar="FILE")

    p = add("verify", "verify an Open Badges file (exit 0 verified, 1 invalid, 3 unchecked, 4 unreadable)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true")
    p.add_argument("--offline", action="store_true", help="fetch nothing: no hosted copy, key or list")

    p = add("signout", "revoke the tokens and forget the account on this machine")
    p.add_argument("--delete-cache", action="store_true", help="also delete the offline copy")

    add("kiosk-pin", "read an administrator PIN on stdin and print its hash for the kiosk configuration")


def build_parser() -> _Parser:
    """Build the full argument parser (also used by the tests and the README)."""
    parser = _Parser(
        prog=PROG,
        description=f"{APP_NAME}: an offline badge wallet for Canvas Credentials. "
        "Without a sub-command it opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the app against the built-in sandbox server (no account needed)",
    )
    parser.add_argument("--kiosk", action="store_true", help="run as a shared event station")
    parser.add_argument("--config", metavar="FILE", help="kiosk configuration (TOML); needs --kiosk")
    parser.add_argument("--debug", action="store_true", help="log details and show tracebacks")
    common = _common_options()
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _add_commands(sub, common)
    return parser


def _port(text: str) -> int:
    value = _int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0..65535, not {value}")
    return value


def _badge_count(text: str) -> int:
    value = _int(text)
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError(f"--badges must be 1..100000, not {value}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def _run_app(args: argparse.Namespace) -> int:
    if args.config and not args.kiosk:
        raise _UsageError("--config needs --kiosk")
    if args.kiosk:
        from backpack_desktop.app import run_kiosk

        return run_kiosk(args.config)
    from backpack_desktop.app import run  # Qt is imported only here

    return run(demo=args.demo)


def _run_sandbox(args: argparse.Namespace) -> int:
    from backpack_desktop.sandbox.runner import run_from_args

    return run_from_args(args)


class _UsageError(Exception):
    """Bad combination of arguments that argparse cannot express."""


def _backpack_command(name: str) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        from backpack_desktop import cli_backpack  # services load only for the commands that use them

        command: Callable[[argparse.Namespace], int] = getattr(cli_backpack, f"run_{name}")
        return command(args)

    return handler


def _kiosk_pin(_args: argparse.Namespace) -> int:
    from backpack_desktop.services.kiosk_config import hash_pin

    pin = sys.stdin.readline().strip()
    print(hash_pin(pin))  # only the hash is printed; the PIN itself never reaches a file
    return 0


def _files_command(name: str) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        from backpack_desktop import cli_files

        command: Callable[[argparse.Namespace], int] = getattr(cli_files, f"run_{name}")
        return command(args)

    return handler


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "sandbox": _run_sandbox,
    "sync": _backpack_command("sync"),
    "list": _backpack_command("list"),
    "show": _backpack_command("show"),
    "signout": _backpack_command("signout"),
    "kiosk-pin": _kiosk_pin,
    "download": _files_command("download"),
    "import": _files_command("import"),
    "verify": _files_command("verify"),
    "share": _files_command("share"),
    "certificate": _files_command("certificate"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # Before anything can log: --debug shows request URLs and bodies, which carry codes,
    # tokens and e-mail addresses unless masked (SECURITY.md T31, test 46).
    install_redaction(logging.getLogger())
    if args.command and (args.demo or args.kiosk or args.config):
        parser.error("--demo, --kiosk and --config open the app; they take no sub-command")
    try:
        handler = HANDLERS[args.command] if args.command else _run_app
        return handler(args)
    except _UsageError as exc:
        parser.error(str(exc))
    except (BackpackError, OSError) as exc:
        if args.debug:
            traceback.print_exc()
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one line for the user; the traceback only with --debug
        if args.debug:
            traceback.print_exc()
        name = type(exc).__name__
        print(f"{PROG}: unexpected error ({name}); run with --debug for details", file=sys.stderr)
        return 1
