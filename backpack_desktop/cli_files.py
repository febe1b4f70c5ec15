"""The ``download``, ``import`` and ``verify`` sub-commands: badge files in and out.

``download`` works from the cache alone; ``import`` keeps files in the encrypted cache
(creating it if needed); ``verify`` reads a file and never writes anything. Exit codes of
``verify``: 0 verified, 1 invalid, 3 could not be checked, 4 unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from backpack_desktop.cli_backpack import (
    CACHE_FILE,
    _open_existing,
    _open_for_sync,
    _passphrase,
    _Stdin,
    safe_text,
)
from backpack_desktop.domain.errors import UserFacingError
from backpack_desktop.services import keys, paths
from backpack_desktop.services.backpack import load_backpack
from backpack_desktop.services.badge_files import download, import_file
from backpack_desktop.services.cache import CacheStore
from backpack_desktop.services.files import safe_file_name, save_unique, write_new_file

MAX_INPUT_BYTES = 50 * 1024 * 1024  # read no further: the parsers cap far lower anyway
VERIFY_EXIT = {"verified": 0, "invalid": 1, "unchecked": 3}
UNREADABLE = 4


def read_input(path: str) -> bytes:
    """A badge file's bytes, refusing devices, folders and huge files before reading them."""
    file = Path(path)
    if not file.is_file():
        raise UserFacingError(f"{safe_text(path)[:200]}: not a file")
    if file.stat().st_size > MAX_INPUT_BYTES:
        raise UserFacingError(f"{safe_text(path)[:200]}: larger than {MAX_INPUT_BYTES // 2**20} MB")
    return file.read_bytes()


def run_download(args: argparse.Namespace, stdin: TextIO = sys.stdin) -> int:
    """Save a cached badge as its baked image or its assertion, with no network."""
    with _open_existing(args, _Stdin(stdin)) as store:
        award = load_backpack(store).award(args.id)
        if award is None:
            raise UserFacingError(f"no cached badge has the id {safe_text(args.id)[:40]!r}")
        result = download(store, award, args.format)
    # Never replaces anything: into a folder under a free name, or to a new file (test 33).
    target = _save_new(Path(args.output) if args.output else Path.cwd(), result.file_name, result.data)
    note = " (baked here from the cached image)" if result.baked_here else ""
    print(f"saved {target}{note}", file=sys.stderr)
    return 0


def run_import(args: argparse.Namespace, stdin: TextIO = sys.stdin) -> int:
    """Keep badge files in the cache; each file succeeds or fails on its own."""
    directory = paths.data_dir(args.data_dir)
    failures = 0
    with _open_for_sync(directory, keys.default_key_source(_passphrase(args, _Stdin(stdin)))) as store:
        for name in args.files:
            try:
                award = import_file(store, read_input(name), now=datetime.now(UTC))
            except UserFacingError as exc:
                failures += 1
                print(f"{safe_text(name)[:200]}: {exc}", file=sys.stderr)
                continue
            print(f"{award.entity_id}  {safe_text(award.name)} — {safe_text(award.issuer.name)}")
    return 1 if failures else 0


def run_verify(args: argparse.Namespace, stdin: TextIO = sys.stdin) -> int:
    """Verify one file; with ``--offline`` nothing is fetched (hosted copies, keys, lists)."""
    from backpack_desktop.domain.badgefile import read_badge_file
    from backpack_desktop.services.verify_online import verify_file

    try:
        badge = read_badge_file(read_input(args.file))
    except UserFacingError as exc:
        if args.json:
            print(json.dumps({"result": "unreadable", "reasons": [str(exc)], "version": None}))
        else:
            print(f"Unreadable: {safe_text(str(exc))}")
        return UNREADABLE
    store = _cache_if_any(args, stdin)
    try:
        server = _synced_server(store)
        result = verify_file(badge, datetime.now(UTC), store=store, server=server, online=not args.offline)
    finally:
        if store is not None:
            store.close()
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=True, indent=2))
    else:
        print(VERDICTS[result.outcome.value])
        for reason in result.reasons:
            print(f"  - {safe_text(reason)}")
    return VERIFY_EXIT[result.outcome.value]


VERDICTS = {"verified": "Verified", "invalid": "Invalid", "unchecked": "Could not be checked"}


def _cache_if_any(args: argparse.Namespace, stdin: TextIO) -> CacheStore | None:
    """The offline copy, if there is one this user can open: it keeps JSON-LD contexts."""
    directory = paths.data_dir(args.data_dir)
    if not (directory / CACHE_FILE).exists():
        return None
    try:
        return CacheStore.open(
            directory, keys.default_key_source(_passphrase(args, _Stdin(stdin))), create=False
        )
    except UserFacingError:
        return None  # verifying needs no cache; it only cannot keep contexts for next time


def _synced_server(store: CacheStore | None) -> str | None:
    from backpack_desktop.services.backpack import load_sync_info

    info = load_sync_info(store) if store is not None else None
    return info.server if info else None


def run_share(args: argparse.Namespace, stdin: TextIO = sys.stdin) -> int:
    """Print the share URL (or the embed snippet) from the cache; with ``--qr`` write its QR code."""
    from backpack_desktop.domain.share import share
    from backpack_desktop.domain.status import Status, describe
    from backpack_desktop.services.share_qr import qr_code

    with _open_existing(args, _Stdin(stdin)) as store:
        award = load_backpack(store).award(args.id)
    if award is None:
        raise UserFacingError(f"no cached badge has the id {safe_text(args.id)[:40]!r}")
    target = share(award, args.provider, args.include_identifier)
    print(target.snippet or target.url)
    status = describe(award, datetime.now(UTC))
    if status.status in (Status.REVOKED, Status.EXPIRED):
        print(f"warning: this badge is {status.status.label.lower()} ({status.reason})", file=sys.stderr)
    if args.qr:
        path = Path(args.qr)
        data = qr_code(target.url, "svg" if path.suffix.lower() == ".svg" else "png")
        saved = _save_new(path, "badge-link-qr.png", data)
        print(f"QR code saved to {saved}", file=sys.stderr)
    return 0


def run_certificate(args: argparse.Namespace, stdin: TextIO = sys.stdin) -> int:
    """Make one PDF with a certificate a page; save it, or print it with no dialog."""
    import locale

    from backpack_desktop.services.certificate_inputs import certificate_inputs
    from backpack_desktop.services.certificates import TEMPLATES, default_page_size, render_certificates
    from backpack_desktop.services.printing import print_and_wait

    template = args.template or TEMPLATES[0]
    if template not in TEMPLATES:
        raise UserFacingError(
            f"unknown template {safe_text(template)[:40]!r}; choose from {', '.join(TEMPLATES)}"
        )
    with _open_existing(args, _Stdin(stdin)) as store:
        backpack = load_backpack(store)
        awards = []
        for wanted in args.ids:
            award = backpack.award(wanted)
            if award is None:
                raise UserFacingError(f"no cached badge has the id {safe_text(wanted)[:40]!r}")
            awards.append(award)
        items = certificate_inputs(store, awards)
    page = default_page_size(locale.getlocale()[0] or "")
    pdf = render_certificates(items, template=template, page_size=page, printed_at=datetime.now(UTC))
    if args.printer is not None:
        job = print_and_wait(pdf, args.printer or None, f"{len(items)} badge certificate(s)")
        print(f"printed {len(items)} page(s) on {job.printer} (job {job.job_id})", file=sys.stderr)
    if args.output or args.printer is None:
        name = safe_file_name(awards[0].name if len(awards) == 1 else "badge certificates", ".pdf")
        target = _save_new(Path(args.output) if args.output else Path.cwd(), name, pdf)
        print(f"saved {target}", file=sys.stderr)
    return 0


def _save_new(output: Path, file_name: str, data: bytes) -> Path:
    """Into a folder under a free name, or to a new file; never replacing anything."""
    if output.is_dir() and not output.is_symlink():
        return save_unique(output, file_name, data)
    try:
        write_new_file(output, data)
    except FileExistsError:
        raise UserFacingError(f"{safe_text(str(output))[:200]} exists already; choose another name") from None
    return output
