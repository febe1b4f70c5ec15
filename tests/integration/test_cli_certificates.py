"""``certificate`` on the command line: a PDF file, and a job through the real CUPS queue.

scripts/test starts CUPS with the BackpackPDF queue (cups-pdf), which writes each job as a PDF
into /tmp/backpack-cups-pdf (or $CUPS_PDF_OUT); the test waits for CUPS to call the job
completed, then reads what was printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader
from test_cli_sync import cli, sync  # the sync tests' subprocess helpers

from backpack_desktop.sandbox import SandboxServer

QUEUE = "BackpackPDF"
SPOOL = Path(os.environ.get("CUPS_PDF_OUT", "/tmp/backpack-cups-pdf"))


def text_of(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def synced(
    make_sandbox: Callable[..., SandboxServer], tmp_path: Path, env: dict[str, str]
) -> tuple[str, list[dict]]:
    server = make_sandbox(seed=31)
    data_dir = str(tmp_path / "data")
    assert sync(server, Path(data_dir), env).returncode == 0
    return data_dir, json.loads(cli("list", "--json", "--data-dir", data_dir, env=env).stdout)


def test_certificate_to_a_file(make_sandbox, tmp_path: Path, env: dict[str, str]) -> None:
    data_dir, listed = synced(make_sandbox, tmp_path, env)
    out = tmp_path / "cert.pdf"
    done = cli(
        "certificate",
        listed[0]["id"],
        "-o",
        str(out),
        "--template",
        "modern",
        "--data-dir",
        data_dir,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    reader = PdfReader(str(out))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    text = text_of(out)
    assert listed[0]["name"].split()[0] in text and listed[0]["id"] in text
    again = cli("certificate", "-o", str(out), "--data-dir", data_dir, "--", listed[0]["id"], env=env)
    assert again.returncode == 1 and "exists already" in again.stderr
    bad = cli("certificate", "--template", "baroque", "--data-dir", data_dir, "--", listed[0]["id"], env=env)
    assert bad.returncode == 1 and "classic" in bad.stderr


def test_a_batch_prints_as_one_job_through_cups(make_sandbox, tmp_path: Path, env: dict[str, str]) -> None:
    assert subprocess.run(["lpstat", "-p", QUEUE], capture_output=True, check=False).returncode == 0, (
        "scripts/test starts CUPS with the BackpackPDF queue"
    )
    data_dir, listed = synced(make_sandbox, tmp_path, env)
    latin = [a for a in listed if a["name"].isascii()][:3]
    before = time.time()
    ids = [a["id"] for a in latin]  # an id may start with "-": they go after "--"
    done = cli("certificate", "--print", QUEUE, "--data-dir", data_dir, "--", *ids, env=env)
    assert done.returncode == 0, done.stderr
    assert "printed 3 page(s) on BackpackPDF" in done.stderr  # only said once CUPS completed the job
    printed = sorted(
        (p for p in SPOOL.rglob("*.pdf") if p.stat().st_mtime >= before - 1), key=lambda p: p.stat().st_mtime
    )
    assert printed, f"no PDF in {SPOOL}"
    assert len(PdfReader(str(printed[-1])).pages) == 3
    text = text_of(printed[-1])
    for award in latin:
        assert award["name"].split()[0] in text
    assert "Alex Rivera" in text  # the recipient
