"""Certificate PDFs (services/certificates): content, scripts, marks, QR code, safety.

The PDFs are read back the way a person or a verifier would: ``pdftotext`` for the words,
``pdftoppm`` + ``zbarimg`` for the QR code, pypdf for pages, sizes, fonts and images.

About Arabic: reportlab cannot shape text, so each line is reshaped (presentation forms) and
put in visual order before drawing. Poppler's pdftotext (22.x) reads such a line back in
*logical* order, wrapped in U+202B ... U+202C, as the presentation-form characters that were
drawn; NFKC normalisation turns them back into exactly the letters of the name. The tests
check both facts, so a change in either direction (order or shaping) is caught.
"""

from __future__ import annotations

import http.server
import struct
import subprocess
import threading
import unicodedata
import urllib.request
import zlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import arabic_reshaper
import pytest
import reportlab.rl_config
from pypdf import PdfReader

from backpack_desktop.domain.errors import CancelledError
from backpack_desktop.domain.models import Award, parse_award
from backpack_desktop.sandbox.artwork import design_for, render_png
from backpack_desktop.services.certificates import (
    TEMPLATES,
    CertificateError,
    CertificateInput,
    default_page_size,
    fonts,
    images,
    recipient_name,
    render_certificates,
    text,
)
from backpack_desktop.services.certificates.layout import NAME_ENTERED, NAME_MISSING

PUBLIC = "https://api.badgr.io/public/assertions/AbC123"
PRINTED = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
BADGE_PNG = render_png(design_for("badge"), 128)
ISSUER_PNG = render_png(design_for("issuer"), 64)
CVE_PAYLOAD = "<font color=\"[[[getattr(pow, Word('__globals__'))['os'].system('touch canary')]]]\">x</font>"


def award(
    name: str = "Data Analysis Foundations", issuer: str = "Université d'Été & Co", **extra: Any
) -> Award:
    raw: dict[str, Any] = {
        "entityId": "AbC123",
        "openBadgeId": PUBLIC,
        "issuedOn": "2026-03-05T10:00:00Z",
        "expires": "2030-01-01T00:00:00Z",
        "recipient": {"identity": "ada@example.org", "hashed": False, "type": "email"},
        "extensions:recipientProfile": {"name": "Ada Lovelace"},
        "badgeclass": {
            "id": "https://api.badgr.io/public/badges/B1",
            "name": name,
            "description": "Cleans, explores and summarises tabular data.",
            "criteria": {"id": "https://example.org/c", "narrative": "Pass all six modules."},
            "issuer": {"id": "https://api.badgr.io/public/issuers/I1", "name": issuer},
        },
    }
    raw.update(extra)
    return parse_award(raw)


def render(*items: CertificateInput, **kwargs: Any) -> bytes:
    kwargs.setdefault("printed_at", PRINTED)
    return render_certificates(items or (CertificateInput(award(), BADGE_PNG, ISSUER_PNG),), **kwargs)


def pdf_text(pdf: bytes, tmp_path: Path, page: int | None = None) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", *pages, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def squash(value: str) -> str:
    return "".join(value.split())


# -- content ------------------------------------------------------------------------------------
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_field_is_on_the_page(template: str, tmp_path: Path) -> None:
    words = pdf_text(render(template=template), tmp_path)
    for expected in (
        "Ada Lovelace",
        "has earned",
        "Data Analysis Foundations",
        "Cleans, explores and summarises tabular data.",
        "Université d'Été & Co",
        "Issued on 5 March 2026",
        "Expires on 1 January 2030",
        "Criteria: Pass all six modules.",
        PUBLIC,
        "Award ID: AbC123",
        "Printed on 1 April 2026",
    ):
        assert expected in words, expected
    assert "EXPIRED" not in words and "REVOKED" not in words
    assert NAME_ENTERED not in words


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize(("size", "points"), [("A4", (841.9, 595.3)), ("Letter", (792.0, 612.0))])
def test_one_landscape_page_of_the_chosen_size(template: str, size: str, points: tuple[float, float]) -> None:
    reader = PdfReader(BytesIO(render(template=template, page_size=size)))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == points


def test_a_batch_has_one_page_per_item_and_reports_each(tmp_path: Path) -> None:
    names = ("Ada Lovelace", "Grace Hopper", "Alan Turing")
    items = [CertificateInput(award(), BADGE_PNG, recipient_name=n) for n in names]
    progress: list[tuple[int, int]] = []
    pdf = render(*items, on_progress=lambda done, total: progress.append((done, total)))
    assert len(PdfReader(BytesIO(pdf)).pages) == 3
    assert progress == [(1, 3), (2, 3), (3, 3)]
    for page, name in enumerate(names, start=1):
        assert name in pdf_text(pdf, tmp_path, page)


@pytest.mark.parametrize("template", TEMPLATES)
def test_the_qr_code_opens_the_public_page(template: str, tmp_path: Path) -> None:
    (tmp_path / "c.pdf").write_bytes(render(template=template))
    subprocess.run(
        ["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", "-singlefile", "c.pdf", "page"],
        cwd=tmp_path,
        check=True,
    )
    scanned = subprocess.run(
        ["zbarimg", "-q", "--raw", str(tmp_path / "page.png")], capture_output=True, text=True
    )
    assert scanned.stdout.strip().splitlines() == [PUBLIC]


def _fonts(pdf: bytes) -> set[str]:
    """The page's fonts, checking that each is an embedded TrueType font."""
    found = PdfReader(BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    names = set()
    for ref in found.values():
        font = ref.get_object()
        assert font["/Subtype"] == "/TrueType", font["/BaseFont"]
        assert "/FontFile2" in font["/FontDescriptor"].get_object(), font["/BaseFont"]
        names.add(str(font["/BaseFont"]).split("+")[-1])
    return names


def test_fonts_are_embedded_and_cjk_uses_its_own_font() -> None:
    latin = _fonts(render(CertificateInput(award(), recipient_name="Ada")))
    cjk = _fonts(render(CertificateInput(award(), recipient_name="王小明")))
    assert latin and len(cjk - latin) == 1


# -- status marks -----------------------------------------------------------------------------------
@pytest.mark.parametrize("template", TEMPLATES)
def test_no_transparency_so_printing_keeps_the_text(template: str, tmp_path: Path) -> None:
    # CUPS turns PDF into PostScript, which has no transparency: a soft mask or an alpha
    # constant makes the filter rasterise the page, and the printed text is gone.
    revoked = award(revoked=True, revocationReason="Issued in error")
    pdf = render(CertificateInput(revoked, BADGE_PNG, ISSUER_PNG), template=template)
    assert BADGE_PNG[25] == 6  # the test image really is RGBA
    assert b"/SMask" not in pdf and b"/CA " not in pdf and b"/ca " not in pdf
    chain = tmp_path / "printed.pdf"
    (tmp_path / "in.pdf").write_bytes(pdf)
    subprocess.run(["pdftops", str(tmp_path / "in.pdf"), str(tmp_path / "out.ps")], check=True)
    subprocess.run(["ps2pdf", str(tmp_path / "out.ps"), str(chain)], check=True)  # as cups-pdf does
    printed = subprocess.run(
        ["pdftotext", str(chain), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Ada Lovelace" in printed and "REVOKED" in printed


@pytest.mark.parametrize("template", TEMPLATES)
def test_revoked_mark_with_its_reason(template: str, tmp_path: Path) -> None:
    revoked = award(revoked=True, revocationReason="Issued in error")
    words = pdf_text(render(CertificateInput(revoked, BADGE_PNG), template=template), tmp_path)
    assert "REVOKED" in words and "Reason: Issued in error" in words
    assert "EXPIRED" not in words


@pytest.mark.parametrize("template", TEMPLATES)
def test_expired_mark_depends_on_the_printing_date(template: str, tmp_path: Path) -> None:
    expiring = CertificateInput(award(expires="2026-03-20T00:00:00Z"), BADGE_PNG)
    after = pdf_text(render(expiring, template=template), tmp_path)
    assert "EXPIRED" in after and "This badge expired on 20 March 2026." in after
    assert "REVOKED" not in after
    before = pdf_text(
        render(expiring, template=template, printed_at=datetime(2026, 3, 1, tzinfo=UTC)), tmp_path
    )
    assert "EXPIRED" not in before and "Expires on 20 March 2026" in before


# -- names and scripts ----------------------------------------------------------------------------
def test_cjk_names_come_out_as_written(tmp_path: Path) -> None:
    item = CertificateInput(
        award(name="データ分析の基礎", issuer="北京大学"), BADGE_PNG, recipient_name="王小明"
    )
    for template in TEMPLATES:
        lines = pdf_text(render(item, template=template), tmp_path).splitlines()
        for expected in ("王小明", "データ分析の基礎", "北京大学"):
            assert expected in lines, (template, expected)


def test_arabic_names_extract_in_logical_order(tmp_path: Path) -> None:
    name, badge = "فاطمة الزهراء", "مهارات القيادة"
    item = CertificateInput(award(name=badge), BADGE_PNG, recipient_name=name)
    for template in TEMPLATES:
        words = pdf_text(render(item, template=template), tmp_path)
        # What poppler gives: the drawn (joined) presentation forms, in logical order...
        assert arabic_reshaper.reshape(name) in words and arabic_reshaper.reshape(badge) in words
        # ...which are exactly the original letters once normalised.
        normal = unicodedata.normalize("NFKC", words)
        assert name in normal and badge in normal
        assert name[::-1] not in normal


def test_a_hashed_recipient_without_a_name_gets_a_placeholder(tmp_path: Path) -> None:
    hashed = award(
        recipient={"identity": "sha256$abc", "hashed": True}, **{"extensions:recipientProfile": None}
    )
    words = pdf_text(render(CertificateInput(hashed)), tmp_path)
    assert NAME_MISSING in words and "fingerprint" in words
    typed = pdf_text(
        render(CertificateInput(hashed, recipient_name="Grace", name_entered_at_print=True)), tmp_path
    )
    assert "Grace" in typed and NAME_ENTERED in typed and NAME_MISSING not in typed


def test_recipient_name_sources() -> None:
    plain = award(**{"extensions:recipientProfile": None})
    hashed = award(
        recipient={"identity": "sha256$abc", "hashed": True}, **{"extensions:recipientProfile": None}
    )
    assert recipient_name(CertificateInput(award(), recipient_name=" Grace ")) == ("Grace", "override")
    assert recipient_name(CertificateInput(award(), profile_name="Me")) == (
        "Ada Lovelace",
        "recipientProfile",
    )
    assert recipient_name(CertificateInput(plain, profile_name="Me")) == ("Me", "profile")
    assert recipient_name(CertificateInput(plain)) == ("ada@example.org", "identity")
    assert recipient_name(CertificateInput(hashed)) == ("", "hashed")
    file_badge = replace(hashed, origin="imported")
    assert recipient_name(CertificateInput(file_badge, profile_name="Adviser")) == ("", "hashed")


@pytest.mark.parametrize(
    ("locale_name", "expected"),
    [
        ("en_US", "Letter"),
        ("es_MX", "Letter"),
        ("en_CA", "Letter"),
        ("fr_CA.UTF-8", "Letter"),
        ("en_PH", "Letter"),
        ("es-CL", "Letter"),
        ("es_CO", "Letter"),
        ("es_VE", "Letter"),
        ("es_PR", "Letter"),
        ("zh_Hant_TW", "A4"),
        ("en_GB", "A4"),
        ("de_DE@euro", "A4"),
        ("fr_FR", "A4"),
        ("en", "A4"),
        ("C", "A4"),
        ("", "A4"),
    ],
)
def test_default_page_size(locale_name: str, expected: str) -> None:
    assert default_page_size(locale_name) == expected


def test_a_long_description_is_cut_with_an_ellipsis(tmp_path: Path) -> None:
    long_award = award()
    badge = replace(long_award.badgeclass, description="word " * 2000 + "THE-END")
    pdf = render(CertificateInput(replace(long_award, badgeclass=badge), BADGE_PNG))
    words = pdf_text(pdf, tmp_path)
    assert len(PdfReader(BytesIO(pdf)).pages) == 1
    assert "word word\u2026" in words and "THE-END" not in words


# -- safety (SECURITY.md test 36) ---------------------------------------------------------------
def _hostile_inputs(value: str) -> list[CertificateInput]:
    return [
        CertificateInput(award(name=value), BADGE_PNG),
        CertificateInput(award(issuer=value), BADGE_PNG),
        CertificateInput(award(), BADGE_PNG, recipient_name=value),
    ]


def test_cve_2023_33733_markup_stays_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # "touch canary" would create tmp_path/canary
    for template in TEMPLATES:
        for page, item in enumerate(_hostile_inputs(CVE_PAYLOAD), start=1):
            words = pdf_text(render(item, template=template), tmp_path)
            assert squash(CVE_PAYLOAD) in squash(words), (template, page)
    assert not (tmp_path / "canary").exists()


@pytest.fixture
def ping_server() -> Iterator[tuple[int, list[str]]]:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], hits
    server.shutdown()
    server.server_close()


def test_img_markup_fetches_nothing(tmp_path: Path, ping_server: tuple[int, list[str]]) -> None:
    port, hits = ping_server
    payload = f'<img src="http://127.0.0.1:{port}/ping"/> & <a href="http://127.0.0.1:{port}/a">x</a>'
    for template in TEMPLATES:
        for item in _hostile_inputs(payload):
            assert squash(payload) in squash(pdf_text(render(item, template=template), tmp_path))
    assert hits == []
    urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=5).close()  # noqa: S310
    assert hits == ["/ping"]  # the server did listen: a fetch would have been seen
    assert reportlab.rl_config.trustedSchemes == [] and not reportlab.rl_config.trustedHosts


def _png_bomb(side: int) -> bytes:
    """A 1-bit PNG of side x side zeros: a few kB that decode to side² pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + side // 8)
    body = zlib.compress(row * side, 9)
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def _image_count(pdf: bytes) -> int:
    return len(PdfReader(BytesIO(pdf)).pages[0].images)


@pytest.mark.parametrize(
    "bad",
    [
        _png_bomb(8000),
        b"GIF89a this is not really a picture",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
        BADGE_PNG + b"\x00" * (8 * 1024 * 1024),
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    ],
    ids=["64-megapixel bomb", "not an image", "truncated png", "over 8 MB", "svg"],
)
def test_unusable_images_give_the_placeholder(bad: bytes) -> None:
    assert images.decode(bad) is None
    for template in TEMPLATES:
        assert (
            _image_count(render(CertificateInput(award(), bad, bad), template=template)) == 1
        )  # the QR code
        assert _image_count(render(CertificateInput(award(), BADGE_PNG, ISSUER_PNG), template=template)) == 3


def test_the_bomb_would_decode_without_our_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "MAX_PIXELS", 10**9)
    assert images.decode(_png_bomb(8000)) is not None  # so the test above really tests the limit


# -- control ----------------------------------------------------------------------------------
def test_cancel_before_and_during() -> None:
    stop = threading.Event()
    stop.set()
    with pytest.raises(CancelledError):
        render(cancel=stop)
    stop.clear()
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        stop.set()

    items = [CertificateInput(award())] * 3
    with pytest.raises(CancelledError):
        render(*items, cancel=stop, on_progress=progress)
    assert seen == [1]


def test_an_unknown_template_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown certificate template"):
        render(template="fancy")


def test_no_usable_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "_cached", None)
    monkeypatch.setattr(fonts, "_candidates", lambda role: [])
    with pytest.raises(CertificateError, match="No usable font"):
        render()


def test_runs_pick_a_font_with_the_glyphs() -> None:
    found = fonts.font_set()
    parts = text.runs("王小明 Smith", "serif")
    assert "".join(p for _, p in parts) == "王小明 Smith"
    assert [f for f, _ in parts] == [found.names["cjk"], found.names["serif"]]
    assert text.runs("فاطمة", "serif") == [(found.names["sans"], "فاطمة")]  # DejaVu Serif has no Arabic


def test_wrap_breaks_long_words_and_marks_the_cut() -> None:
    lines = text.wrap("x" * 500, "sans", 10, 100, 2)
    assert len(lines) == 2 and lines[-1].endswith(text.ELLIPSIS)
    assert all(text.width(line, "sans", 10) <= 100 for line in lines)
    assert text.wrap("short words", "sans", 10, 500, 2) == ["short words"]
