"""The ``sync``, ``list``, ``show`` and ``signout`` sub-commands: thin wrappers over the services.

Output that scripts read (``--json``) goes to stdout alone; notes for people (progress, "last
synced …") go to stderr. Issuer-supplied text is stripped of control characters before it
reaches a terminal, so a badge name cannot move the cursor or recolour the screen.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from backpack_desktop.domain.errors import (
    CacheError,
    CacheIntegrityError,
    InsecureKeyringError,
    KeyMissingError,
    UserFacingError,
)
from backpack_desktop.domain.models import Award
from backpack_desktop.domain.search import query_words, score
from backpack_desktop.domain.status import Status, describe
from backpack_desktop.services import keys, paths
from backpack_desktop.services.auth import TokenManager, Tokens, password_grant
from backpack_desktop.services.backpack import Backpack, load_backpack
from backpack_desktop.services.cache import CacheStore, set_aside
from backpack_desktop.services.http import ApiClient
from backpack_desktop.services.imagefetch import ImageFetcher
from backpack_desktop.services.signout import delete_offline_copy, sign_out_cached_account
from backpack_desktop.services.sync import SyncEngine, SyncProgress
from backpack_desktop.services.token_store import TokenStore, account_key

CACHE_FILE = "cache.sqlite3"
CLIENT_ID = "public"  # the password grant's client, as Badgr's own web UI uses
NO_SIGN_IN = "No stored sign-in on this computer: nothing to revoke."


def safe_text(text: str) -> str:
    """Issuer text for a terminal: control and bidi-override characters become U+FFFD."""
    return "".join(
        "\ufffd" if unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\u200d" else ch for ch in text
    )


class _Stdin:
    """Reads the secrets given on stdin, one per line, in a fixed order: password, passphrase."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def line(self, what: str) -> str:
        value = self._stream.readline().rstrip("\r\n")
        if not value:
            raise UserFacingError(f"expected the {what} on standard input")
        return value


def _passphrase(args: argparse.Namespace, stdin: _Stdin) -> str | None:
    if getattr(args, "passphrase_stdin", False):
        return stdin.line("cache passphrase")
    return os.environ.get(paths.PASSPHRASE_ENV) or None


def _check_server(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if parts.scheme == "https" or (parts.scheme == "http" and loopback):
        return url.rstrip("/")
    raise UserFacingError(
        "the server address must start with https:// (plain http only for a test server on this computer)"
    )


def _open_existing(args: argparse.Namespace, stdin: _Stdin) -> CacheStore:
    directory = paths.data_dir(args.data_dir)
    if not (directory / CACHE_FILE).exists():
        raise UserFacingError("no badges are cached yet: run 'backpack-desktop sync' first")
    try:
        return CacheStore.open(directory, keys.default_key_source(_passphrase(args, stdin)), create=False)
    except (CacheIntegrityError, KeyMissingError) as exc:
        raise UserFacingError(
            f"{exc} Run 'backpack-desktop sync' to rebuild the cache (the damaged file is kept)."
        ) from exc


def _open_for_sync(directory: Path, key_source: keys.KeySource) -> CacheStore:
    """Open (or create) the cache; a damaged or orphaned one is set aside, never deleted.

    A wrong passphrase, a keyring that is unavailable right now, or a cache protected another
    way (passphrase vs keyring, another keyring) is an error instead: setting the cache aside
    then would throw away a good cache because of a typo, a locked keyring or a missing flag.
    """
    try:
        return CacheStore.open(directory, key_source)
    except (CacheIntegrityError, KeyMissingError) as exc:
        kept = set_aside(directory)
        print(
            f"The cache could not be used ({exc}); it was kept as {kept.name} and a new one is being built.",
            file=sys.stderr,
        )
        return CacheStore.open(directory, key_source)


def run_sync(args: argparse.Namespace, stdin: TextIO = sys.stdin) -> int:
    """Password sign-in, then a full sync into the cache."""
    reader = _Stdin(stdin)
    server = _check_server(args.server)
    password = reader.line("password")
    key_source = keys.default_key_source(_passphrase(args, reader))
    with ApiClient(server) as login:
        tokens = password_grant(login, args.username, password, client_id=CLIENT_ID)
    remembered: list[TokenStore] = []  # filled once the account is known
    manager = TokenManager(
        server, tokens, client_id=CLIENT_ID, on_change=lambda fresh: _remember(remembered, fresh)
    )
    with (
        ApiClient(server, manager) as client,
        _open_for_sync(paths.data_dir(args.data_dir), key_source) as store,
    ):
        # The profile names the account the tokens are remembered under (and 'signout' finds).
        profile = client.get_results("/v2/users/self")
        user_id = profile[0].get("entityId") if len(profile) == 1 else None
        remembered.append(TokenStore(account_key(server, None if user_id is None else str(user_id)), store))
        _remember(remembered, manager.tokens)
        engine = SyncEngine(client, ImageFetcher(server), store, progress=_progress_printer())
        result = engine.run()
    print(
        f"Synced {result.awards} badges from {server}: {result.images_fetched} images downloaded, "
        f"{result.images_kept} unchanged, {result.images_missing} unavailable.",
        file=sys.stderr,
    )
    return 0


def _remember(stores: list[TokenStore], tokens: Tokens | None) -> None:
    """Save the tokens so 'signout' can revoke them; a failure is a note, never a failed sync."""
    if not stores or tokens is None:
        return
    try:
        stores[0].save(tokens, CLIENT_ID)
    except InsecureKeyringError:
        print(
            "note: no secure keyring here, so this sign-in is not remembered on this device.", file=sys.stderr
        )
        stores.clear()
    except CacheError as exc:  # the keyring did not answer, or the cache was busy
        print(f"note: this sign-in could not be remembered: {exc}", file=sys.stderr)


def run_signout(args: argparse.Namespace, stdin: TextIO = sys.stdin) -> int:
    """Revoke and forget the cached account's sign-in; keep the offline copy unless asked."""
    directory = paths.data_dir(args.data_dir)
    if not (directory / CACHE_FILE).exists():
        print(NO_SIGN_IN, file=sys.stderr)
        return 0
    key_source = keys.default_key_source(_passphrase(args, _Stdin(stdin)))
    store = CacheStore.open(directory, key_source, create=False)
    try:
        outcome = sign_out_cached_account(store)
        if not outcome.had_sign_in:
            print(NO_SIGN_IN, file=sys.stderr)
        elif outcome.revoked:
            print(
                f"Signed out: {outcome.server} revoked the sign-in and this computer forgot it.",
                file=sys.stderr,
            )
        else:
            print(
                f"Signed out on this computer. {outcome.server} could not be reached, so the old "
                "sign-in stays valid there until it expires.",
                file=sys.stderr,
            )
        if args.delete_cache:
            delete_offline_copy(store)
            print("The offline copy of your badges was deleted.", file=sys.stderr)
        else:
            print("The offline copy of your badges was kept (--delete-cache removes it).", file=sys.stderr)
    finally:
        store.close()
    return 0


def _progress_printer() -> Any:
    if not sys.stderr.isatty():
        return None

    def show(p: SyncProgress) -> None:
        total = f"/{p.items_total}" if p.items_total else ""
        print(f"\r{p.stage}: {p.items_done}{total} ({p.bytes_done // 1024} KiB)   ", end="", file=sys.stderr)

    return show


def _filtered(backpack: Backpack, args: argparse.Namespace, now: datetime) -> list[Award]:
    words = query_words(args.search or "")
    ranked = []
    for index, award in enumerate(backpack.awards):
        rank = score(award.name, words)
        if rank is None:
            continue
        if args.status and describe(award, now).status != Status(args.status):
            continue
        if args.issuer and args.issuer.casefold() not in award.issuer.name.casefold():
            continue
        ranked.append((rank, index, award))
    return [award for _rank, _index, award in sorted(ranked, key=lambda t: (t[0], t[1]))]


def _summary(award: Award, now: datetime) -> dict[str, Any]:
    info = describe(award, now)
    return {
        "id": award.entity_id,
        "name": award.name,
        "issuer": award.issuer.name,
        "status": info.status.value,
        "status_reason": info.reason,
        "issued_on": award.issued_on.isoformat(),
        "expires": award.expires.isoformat() if award.expires else None,
    }


def _sync_note(backpack: Backpack) -> str:
    if backpack.sync is None:
        return "never synced"
    when = backpack.sync.synced_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"offline copy, last synced {when} from {backpack.sync.server}"


def run_list(args: argparse.Namespace, stdin: TextIO = sys.stdin) -> int:
    """List cached badges, filtered, newest first (search matches ranked by prefix)."""
    with _open_existing(args, _Stdin(stdin)) as store:
        backpack = load_backpack(store)
    now = datetime.now(UTC)
    awards = _filtered(backpack, args, now)
    if args.json:
        json.dump([_summary(a, now) for a in awards], sys.stdout, ensure_ascii=True, indent=2)
        print()
    else:
        for award in awards:
            status = describe(award, now).status.label
            print(
                f"{safe_text(award.entity_id)}  {status:<8} {award.issued_on:%Y-%m-%d}  "
                f"{safe_text(award.name)} — {safe_text(award.issuer.name)}"
            )
    print(f"{len(awards)} of {len(backpack.awards)} badges · {_sync_note(backpack)}", file=sys.stderr)
    _report_problems(backpack)
    return 0


def run_show(args: argparse.Namespace, stdin: TextIO = sys.stdin) -> int:
    """Show one cached badge."""
    with _open_existing(args, _Stdin(stdin)) as store:
        backpack = load_backpack(store)
    award = backpack.award(args.id)
    if award is None:
        raise UserFacingError(f"no cached badge has the id {safe_text(args.id)[:40]!r}")
    now = datetime.now(UTC)
    if args.json:
        json.dump(
            {**_summary(award, now), "award": award.raw_json()}, sys.stdout, ensure_ascii=True, indent=2
        )
        print()
    else:
        _print_details(award, now)
    print(_sync_note(backpack), file=sys.stderr)
    _report_problems(backpack)
    return 0


def _print_details(award: Award, now: datetime) -> None:
    info = describe(award, now)
    rows = [
        ("Badge", award.name),
        ("Issuer", award.issuer.name),
        ("Status", info.status.label + (f" ({info.reason})" if info.reason else "")),
        ("Issued on", award.issued_on.date().isoformat()),
        ("Expires", award.expires.date().isoformat() if award.expires else "never"),
        ("Recipient", award.recipient_name or award.recipient.plaintext or award.recipient.identity),
        ("Description", award.badgeclass.description),
        ("Criteria", award.badgeclass.criteria_narrative or ""),
        ("Award id", award.entity_id),
        ("Public URL", award.open_badge_id),
    ]
    for label, value in rows:
        if value:
            print(f"{label + ':':<13}{safe_text(value)}")


def _report_problems(backpack: Backpack) -> None:
    if backpack.problems:
        print(
            f"warning: {len(backpack.problems)} cached records could not be read; sync again to repair them",
            file=sys.stderr,
        )
