"""Printing a PDF through the system's print service (CUPS on Linux and macOS), without a dialog.

Used by ``certificate --print`` and by kiosk stations; the window prints through Qt's print
dialog instead. The CUPS command-line tools are the stable, documented interface (``lp``,
``lpstat``); the PDF goes to ``lp`` on stdin, so no file of ours is left in a spool folder.
Windows has no ``lp``: there the command reports that printing needs the app's print dialog.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass

from backpack_desktop.domain.errors import UserFacingError

TIMEOUT_S = 60.0
_JOB = re.compile(r"request id is (\S+)")
_PRINTER_LINE = re.compile(r"^printer (\S+) ")
_DEFAULT = re.compile(r"system default destination: (\S+)")
NO_CUPS = "Printing from the command line needs CUPS (the lp command); use the app's Print dialog instead."


class PrintError(UserFacingError):
    """A print job could not be submitted or did not complete."""


@dataclass(frozen=True)
class PrintJob:
    """A submitted job: its CUPS id (``Queue-42``) and the printer it went to."""

    job_id: str
    printer: str


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise PrintError(NO_CUPS)
    return path


def _run(args: list[str], stdin: bytes | None = None, timeout: float = 30.0) -> str:
    try:
        done = subprocess.run(args, input=stdin, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PrintError(f"The print service did not answer ({type(exc).__name__}).") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PrintError(
            f"The print service refused the job: {detail[-1][:200] if detail else 'no reason given'}"
        )
    return done.stdout.decode("utf-8", "replace")


def printers() -> list[str]:
    """The print queues this machine knows."""
    return [
        m.group(1) for line in _run([_tool("lpstat"), "-p"]).splitlines() if (m := _PRINTER_LINE.match(line))
    ]


def default_printer() -> str | None:
    """The default queue, or None when there is none."""
    try:
        found = _DEFAULT.search(_run([_tool("lpstat"), "-d"]))
    except PrintError:
        return None
    return found.group(1) if found else None


def print_pdf(pdf: bytes, printer: str | None = None, title: str = "Badge certificate") -> PrintJob:
    """Submit ``pdf`` to ``printer`` (default: the system default). Returns the job."""
    target = printer or default_printer()
    if not target:
        raise PrintError("No printer is set up on this computer (and none was named).")
    if target not in printers():
        raise PrintError(f"There is no printer called {target[:80]!r} on this computer.")
    clean_title = re.sub(r"[^\w .,'()-]", " ", title)[:120] or "Badge certificate"
    out = _run([_tool("lp"), "-d", target, "-t", clean_title, "-o", "landscape", "-"], stdin=pdf, timeout=60)
    found = _JOB.search(out)
    if not found:
        raise PrintError("The print service accepted the job but did not say its number.")
    return PrintJob(found.group(1), target)


def wait_for_job(job: PrintJob, timeout: float = TIMEOUT_S) -> None:
    """Wait until CUPS lists the job as completed (not merely queued or printing)."""
    lpstat = _tool("lpstat")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        completed = _run([lpstat, "-W", "completed", "-o", job.printer])
        if any(line.split()[:1] == [job.job_id] for line in completed.splitlines()):
            return
        time.sleep(0.2)
    raise PrintError(f"The print job {job.job_id} did not finish within {int(timeout)} seconds.")


def print_and_wait(pdf: bytes, printer: str | None, title: str, timeout: float = TIMEOUT_S) -> PrintJob:
    """Submit ``pdf`` and return once CUPS reports the job completed."""
    job = print_pdf(pdf, printer, title)
    wait_for_job(job, timeout)
    return job
