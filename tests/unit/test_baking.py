"""Baking and unbaking Open Badges data in PNG and SVG images (reference sections d.1, d.2)."""

from __future__ import annotations

import io
import json
import struct
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import defusedxml.ElementTree as safe_et
import pytest
from PIL import Image

from backpack_desktop.domain.baking import (
    MAX_IMAGE_BYTES,
    MAX_PAYLOAD_BYTES,
    BakedPayload,
    bake_png,
    bake_svg,
    unbake,
    unbake_png,
    unbake_svg,
)
from backpack_desktop.domain.errors import BakingError, NoBadgeDataError, UnsafeXmlError

TESTDATA = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "open-badges"
needs_testdata = pytest.mark.skipif(
    not TESTDATA.is_dir(), reason=f"shared Open Badges test files not found at {TESTDATA}"
)

OB2 = "{http://openbadges.org}assertion"
OB3 = "{https://purl.imsglobal.org/ob/v3p0}credential"
JSON_20 = json.dumps(
    {"@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": "https://example.org/a/1",
     "evidence": {"narrative": "Café «très» bien — 日本語 ✓ 🎓"}},
    ensure_ascii=False,
)  # fmt: skip
JSON_30 = json.dumps(
    {"type": ["VerifiableCredential", "OpenBadgeCredential"], "name": "Zoë’s badge ✓", "tag": "a ]]> b"},
    ensure_ascii=False,
)
JWS = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlX2J5dGVz-_"
SVG = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
  <circle cx="32" cy="32" r="30" fill="#1f5fbf"/>
  <text x="32" y="36" text-anchor="middle">Ünïcode &amp; more</text>
</svg>
""".encode()


def _png(width: int = 7, height: int = 5) -> bytes:
    image = Image.new("RGBA", (width, height))
    image.putdata([(x * 30, y * 40, (x * y) % 256, 200) for y in range(height) for x in range(width)])
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """A deliberately naive chunk list, to check the module's output independently."""
    out, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack_from(">I", png, pos)
        out.append((png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return out


def _with_chunk(png: bytes, chunk: bytes) -> bytes:
    """Insert a raw chunk right after IHDR (offset 33)."""
    return png[:33] + chunk + png[33:]


def _pixels(png: bytes) -> bytes:
    with Image.open(io.BytesIO(png)) as image:
        return image.tobytes()


def _badge_elements(svg: bytes) -> list[str]:
    root = safe_et.fromstring(svg, forbid_dtd=False)
    return [el.tag for el in root.iter() if el.tag in (OB2, OB3)]


_AUDIT: list[tuple[str, str]] = []
_AUDITING: list[bool] = [False]


def _audit_hook(event: str, args: tuple[object, ...]) -> None:
    if _AUDITING[0] and event in ("open", "socket.connect", "socket.getaddrinfo", "urllib.Request"):
        _AUDIT.append((event, repr(args[:2])))


sys.addaudithook(_audit_hook)


@contextmanager
def _no_io() -> Iterator[list[tuple[str, str]]]:
    """Record every file open and network call made inside the block."""
    _AUDIT.clear()
    _AUDITING[0] = True
    try:
        yield _AUDIT
    finally:
        _AUDITING[0] = False


# --- PNG ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "payload", "version"),
    [("openbadges", JSON_20, "2.0"), ("openbadges", JWS, "2.0"),
     ("openbadgecredential", JSON_30, "3.0"), ("openbadgecredential", JWS, "3.0")],
)  # fmt: skip
def test_png_round_trip(keyword: str, payload: str, version: str) -> None:
    baked = bake_png(_png(), payload, keyword)
    expected = BakedPayload(keyword, payload, version)  # type: ignore[arg-type]
    assert unbake_png(baked) == expected
    assert unbake(baked) == expected


def test_png_chunk_is_uncompressed_itxt_right_after_ihdr() -> None:
    chunks = _chunks(bake_png(_png(), JSON_20))
    assert chunks[0][0] == b"IHDR"
    assert chunks[1] == (b"iTXt", b"openbadges" + b"\x00" * 5 + JSON_20.encode())
    assert chunks[-1][0] == b"IEND"


def test_png_bake_keeps_pixels_and_every_other_chunk() -> None:
    original = _with_chunk(_png(40, 30), _chunk(b"tEXt", b"Comment\x00hello"))
    baked = bake_png(original, JSON_20)
    assert [c for c in _chunks(baked) if c[0] != b"iTXt"] == _chunks(original)
    assert _pixels(baked) == _pixels(original)
    with Image.open(io.BytesIO(baked)) as image:
        image.verify()  # every CRC is right


def test_png_rebake_replaces_the_chunk() -> None:
    once = bake_png(_png(), JSON_20)
    twice = bake_png(once, "second ✓")
    assert [c for c in _chunks(twice) if c[0] == b"iTXt"] == [
        (b"iTXt", b"openbadges" + b"\x00" * 5 + "second ✓".encode())
    ]
    assert len(twice) == len(once) - len(JSON_20.encode()) + len("second ✓".encode())
    # Baking OB 3.0 over OB 2.0 (or a legacy tEXt) leaves exactly one badge chunk too.
    legacy = _with_chunk(once, _chunk(b"tEXt", b"openbadges\x00https://example.org/a"))
    v3 = bake_png(legacy, JWS, "openbadgecredential")
    assert [c[0] for c in _chunks(v3)].count(b"iTXt") == 1
    assert b"tEXt" not in [c[0] for c in _chunks(v3)]
    assert unbake_png(v3) == BakedPayload("openbadgecredential", JWS, "3.0")


def test_png_bake_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="keyword"):
        bake_png(_png(), JSON_20, "OpenBadges")
    for bad in ("", "   ", "nul\x00byte", "bell\x07", "lone \ud800 surrogate", "x" * (MAX_PAYLOAD_BYTES + 1)):
        with pytest.raises(BakingError):
            bake_png(_png(), bad)


def test_png_unbake_reads_language_tags_and_compressed_text() -> None:
    tagged = b"openbadges\x00\x00\x00en-GB\x00Offene Abzeichen\x00" + JSON_20.encode()
    assert unbake_png(_with_chunk(_png(), _chunk(b"iTXt", tagged))).text == JSON_20
    packed = b"openbadgecredential\x00\x01\x00\x00\x00" + zlib.compress(JWS.encode())
    assert unbake_png(_with_chunk(_png(), _chunk(b"iTXt", packed))) == BakedPayload(
        "openbadgecredential", JWS, "3.0"
    )


def test_png_unbake_first_badge_chunk_wins_and_other_text_is_ignored() -> None:
    png = _png()
    for text in (b"second", b"first"):
        png = _with_chunk(png, _chunk(b"iTXt", b"openbadges\x00\x00\x00\x00\x00" + text))
    png = _with_chunk(png, _chunk(b"iTXt", b"Description\x00\x00\x00\x00\x00not a badge"))
    assert unbake_png(png).text == "first"


def test_png_unbake_accepts_the_legacy_text_chunk() -> None:
    png = _with_chunk(_png(), _chunk(b"tEXt", b"openbadges\x00https://example.org/assertion/1"))
    assert unbake_png(png) == BakedPayload("openbadges", "https://example.org/assertion/1", "legacy")


def test_png_without_badge_data() -> None:
    with pytest.raises(NoBadgeDataError, match="no Open Badges data in image"):
        unbake_png(_png())
    with pytest.raises(NoBadgeDataError):
        unbake(_with_chunk(_png(), _chunk(b"tEXt", b"Comment\x00openbadges")))


def test_png_compression_bomb_is_rejected() -> None:
    bomb = zlib.compress(b"{" * (64 * 1024 * 1024), 9)  # 64 MB of text in about 64 KB
    assert len(bomb) < 100_000
    png = _with_chunk(_png(), _chunk(b"iTXt", b"openbadges\x00\x01\x00\x00\x00" + bomb))
    with pytest.raises(BakingError, match="too large"):
        unbake_png(png)


@pytest.mark.parametrize(
    "body",
    [b"openbadges\x00\x01\x00\x00\x00not zlib", b"openbadges\x00\x01\x00\x00\x00" + zlib.compress(b"x")[:-3],
     b"openbadges\x00\x02\x00\x00\x00x", b"openbadges\x00\x00", b"openbadges\x00\x00\x00\x00",
     b"openbadges\x00\x00\x00\x00\x00\xff\xfe", b"openbadges\x00\x00\x00\x00\x00  "],
)  # fmt: skip
def test_png_malformed_badge_chunk_raises_baking_error(body: bytes) -> None:
    with pytest.raises(BakingError) as caught:
        unbake_png(_with_chunk(_png(), _chunk(b"iTXt", body)))
    assert not isinstance(caught.value, NoBadgeDataError)


def test_png_truncated_at_every_offset_raises_only_baking_error() -> None:
    baked = bake_png(_png(), JSON_20)
    for cut in range(len(baked)):
        for reader in (unbake_png, unbake):
            with pytest.raises(BakingError):
                reader(baked[:cut])
        with pytest.raises(BakingError):
            bake_png(baked[:cut], JWS)


def test_png_every_single_byte_corruption_is_caught_or_harmless() -> None:
    baked = bake_png(_png(3, 2), JWS)
    for pos in range(len(baked)):
        damaged = bytearray(baked)
        damaged[pos] ^= 0x41
        try:
            result = unbake(bytes(damaged))
        except BakingError:
            continue
        assert result.text == JWS  # only a byte nobody reads (none here) may change harmlessly


def test_png_bad_crc_and_structure_errors() -> None:
    baked = bake_png(_png(), JSON_20)
    idat = baked.index(b"IDAT")
    broken = bytearray(baked)
    broken[idat + 6] ^= 0xFF
    with pytest.raises(BakingError, match="CRC"):
        unbake_png(bytes(broken))
    with pytest.raises(BakingError, match="signature"):
        unbake_png(b"\x89PNG\r\n\x1a\x0b" + baked[8:])
    with pytest.raises(BakingError, match="IHDR"):
        unbake_png(baked[:8] + _chunk(b"tEXt", b"a\x00b") + baked[8:])
    with pytest.raises(BakingError, match="IEND"):
        unbake_png(baked[: baked.index(b"IEND") - 4])
    with pytest.raises(BakingError, match="chunk type"):
        unbake_png(baked[:33] + _chunk(b"t3Xt", b"") + baked[33:])
    with pytest.raises(BakingError, match="larger than"):
        unbake_png(baked + b"\x00" * MAX_IMAGE_BYTES)


# --- SVG ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "payload", "verify", "tag"),
    [("2.0", JSON_20, "https://example.org/a/1", OB2), ("2.0", JSON_20, None, OB2), ("2.0", JWS, None, OB2),
     ("3.0", JSON_30, None, OB3), ("3.0", JWS, JWS, OB3)],
)  # fmt: skip
def test_svg_round_trip(version: str, payload: str, verify: str | None, tag: str) -> None:
    baked = bake_svg(SVG, payload, version, verify)
    expected_verify = JWS if payload == JWS else verify
    expected = BakedPayload(tag, payload, version, expected_verify)  # type: ignore[arg-type]
    assert unbake_svg(baked) == expected
    assert unbake(baked) == expected
    assert _badge_elements(baked) == [tag]


def test_svg_element_forms_follow_the_spec() -> None:
    jws = bake_svg(SVG, JWS, "3.0").decode()
    assert f'<openbadges:credential verify="{JWS}"/>' in jws
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in jws
    hosted = bake_svg(SVG, JSON_20, "2.0", verify="https://example.org/a/1").decode()
    assert '<openbadges:assertion verify="https://example.org/a/1"><![CDATA[{' in hosted
    root = safe_et.fromstring(hosted.encode())
    assert next(iter(root)).tag == OB2  # the first child of the root


def test_svg_bake_keeps_the_rest_of_the_file() -> None:
    baked = bake_svg(SVG, JWS, "2.0")
    element = f'\n  <openbadges:assertion verify="{JWS}"/>'.encode()
    declaration = b' xmlns:openbadges="http://openbadges.org"'
    assert baked.count(element) == 1 and baked.count(declaration) == 1
    assert baked.replace(element, b"", 1).replace(declaration, b"", 1) == SVG


def test_svg_rebake_replaces_the_element() -> None:
    once = bake_svg(SVG, JSON_20, "2.0", verify="https://example.org/a/1")
    twice = bake_svg(once, JSON_30, "3.0")
    assert _badge_elements(twice) == [OB3]
    assert unbake_svg(twice).text == JSON_30
    assert twice.count(b"xmlns:openbadges=") == 1
    assert bake_svg(twice, JSON_30, "3.0") == twice  # baking is idempotent
    assert bake_svg(twice, JSON_20, "2.0", verify="https://example.org/a/1") == once


def test_svg_bake_keeps_a_byte_order_mark_and_rebinds_the_prefix() -> None:
    svg = b'\xef\xbb\xbf<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>'
    v3 = bake_svg(svg, JWS, "3.0")
    assert v3.startswith(b"\xef\xbb\xbf<?xml") and unbake(v3).keyword == OB3
    v2 = bake_svg(v3, JSON_20, "2.0")
    assert b'xmlns:openbadges="http://openbadges.org"' in v2 and b"ob/v3p0" not in v2
    assert _badge_elements(v2) == [OB2]


def test_svg_cdata_terminator_in_payload_round_trips() -> None:
    payload = '{"note": "]]> and ]]]]> and <![CDATA[ & <tag>"}'
    assert unbake_svg(bake_svg(SVG, payload, "3.0")).text == payload


def test_svg_unbake_matches_namespace_not_prefix() -> None:
    svg = b"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="http://openbadges.org"
        xmlns:openbadges="urn:not-open-badges">
      <openbadges:assertion verify="decoy"/>
      <g><ob:assertion verify="https://example.org/a/2">  {"a": 1}  </ob:assertion></g>
      <ob:assertion verify="later"/>
    </svg>"""
    assert unbake_svg(svg) == BakedPayload(OB2, '{"a": 1}', "2.0", "https://example.org/a/2")


def test_svg_without_badge_data_and_bad_input() -> None:
    with pytest.raises(NoBadgeDataError, match="no Open Badges data in image"):
        unbake_svg(SVG)
    with pytest.raises(BakingError, match="empty"):
        unbake_svg(b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:o="http://openbadges.org"><o:assertion/></svg>')
    with pytest.raises(BakingError, match="well-formed"):
        unbake_svg(SVG[:-20])
    with pytest.raises(BakingError, match="not a PNG or SVG"):
        unbake(b'<?xml version="1.0"?><html><body>svg</body></html>')
    for junk in (b"", b"hello", b"\xff\xd8\xff\xe0JFIF", b"<html><p>captive portal</p>", b"\x89PNG"):
        with pytest.raises(BakingError):
            unbake(junk)


def test_svg_bake_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="version"):
        bake_svg(SVG, JSON_20, "2")
    with pytest.raises(ValueError, match="JWS"):
        bake_svg(SVG, JWS, "2.0", verify="https://example.org/other")
    with pytest.raises(BakingError, match="UTF-8"):
        bake_svg(SVG.replace(b"UTF-8", b"ISO-8859-1"), JSON_20)
    with pytest.raises(BakingError, match="UTF-8"):
        bake_svg(SVG.decode().encode("utf-16"), JSON_20)
    with pytest.raises(BakingError, match="empty"):
        bake_svg(b'<svg xmlns="http://www.w3.org/2000/svg"/>', JSON_20)
    with pytest.raises(BakingError, match="not a PNG or SVG"):
        bake_svg(b"<html><body/></html>", JSON_20)
    with pytest.raises(BakingError):
        bake_svg(SVG, "bad \x0b char")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">
  <openbadges:assertion>&lol9;</openbadges:assertion>
</svg>"""


def test_svg_billion_laughs_is_refused() -> None:
    for call in (unbake_svg, unbake, lambda svg: bake_svg(svg, JSON_20)):
        with pytest.raises(UnsafeXmlError, match="entities"):
            call(BILLION_LAUGHS)


def test_svg_external_entity_is_refused_without_reading_the_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    svg = (
        f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        '<openbadges:assertion verify="x">&xxe;</openbadges:assertion></svg>'
    ).encode()
    remote = svg.replace(f"file://{secret}".encode(), b"http://127.0.0.1:9/xxe")
    with _no_io() as events:
        for data in (svg, remote):
            with pytest.raises(UnsafeXmlError):
                unbake(data)
    assert events == []


def test_io_recorder_sees_file_opens(tmp_path: Path) -> None:
    """The no-I/O checks above would pass vacuously if the audit hook saw nothing."""
    with _no_io() as events:
        (tmp_path / "probe.txt").write_text("x")
    assert events and events[0][0] == "open"


def test_svg_deeply_nested_groups_do_not_crash() -> None:
    deep = b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * 50_000 + b"</g>" * 50_000 + b"</svg>"
    with pytest.raises(NoBadgeDataError):
        unbake(deep)


def test_svg_truncated_at_many_offsets_raises_only_baking_error() -> None:
    baked = bake_svg(SVG, JSON_20, "2.0", verify="https://example.org/a/1")
    for cut in range(0, len(baked) - 1, 3):
        with pytest.raises(BakingError):
            unbake(baked[:cut])


# --- The shared Open Badges test files ----------------------------------------------------

BAKED_FILES = [
    ("dcpv/ob20/simple-badge.png", "openbadges", 431,
     '{"@context":"https://w3id.org/openbadges/v2","type":"Assertion","id":"https://ex'),
    ("dcpv/ob30/simple-jwt.png", "openbadgecredential", 2263,
     "eyJhbGciOiJSUzI1NiIsImp3ayI6eyJrdHkiOiJSU0EiLCJuIjoienJTSlNtWmhGOEhrT0RfV01NVHF4"),
    ("dcpv/ob30/simple-jwt_v1.svg", OB3, 2549,
     "eyJhbGciOiJSUzI1NiIsImp3ayI6eyJrdHkiOiJSU0EiLCJuIjoiajJ0Si1rWGkySnNhOXJQRW85X1Np"),
    ("bakery/baked_heart.png", "openbadges", 201,
     '{"uid":"123","issuedOn":"2015-04-01","badge":"http://example.org/badge1","recipi'),
    ("bakery/baked_example.svg", OB2, 407,
     '{\n         "uid": "abcdef12345",\n         "identity": {\n           "recipient": '),
]  # fmt: skip
UNBAKED_FILES = [
    "dcpv/ob20/assets/robotics-badge.png",
    "dcpv/ob20/assets/beths-robot-badge.png",
    "bakery/public_domain_heart.png",
    "bakery/unbaked_example.svg",
]


@needs_testdata
@pytest.mark.parametrize(("name", "keyword", "length", "start"), BAKED_FILES)
def test_shared_baked_file_extracts_as_documented(name: str, keyword: str, length: int, start: str) -> None:
    data = (TESTDATA / name).read_bytes()
    with _no_io() as events:  # the v1 SVG's DOCTYPE names the W3C DTD: it must not be fetched
        result = unbake(data)
    assert events == []
    assert (result.keyword, len(result.text), result.text[:80]) == (keyword, length, start)
    assert result.open_badges_version == ("3.0" if "ob30" in name else "2.0")
    if name == "bakery/baked_example.svg":
        assert result.verify == "https://example.org/assertion.json"


@needs_testdata
@pytest.mark.parametrize("name", UNBAKED_FILES)
def test_shared_unbaked_file_has_no_badge_data(name: str) -> None:
    with pytest.raises(NoBadgeDataError, match="no Open Badges data in image"):
        unbake((TESTDATA / name).read_bytes())


@needs_testdata
def test_shared_heart_bakes_and_reads_back_exactly() -> None:
    heart = (TESTDATA / "bakery/public_domain_heart.png").read_bytes()
    assertion = (TESTDATA / "dcpv/ob20/basic-assertion.json").read_text(encoding="utf-8")
    baked = bake_png(heart, assertion)
    assert unbake(baked).text == assertion
    assert _pixels(baked) == _pixels(heart)
    with Image.open(io.BytesIO(baked)) as image:
        image.verify()


@needs_testdata
def test_shared_baked_files_can_be_rebaked() -> None:
    png = (TESTDATA / "dcpv/ob30/simple-jwt.png").read_bytes()
    rebaked = bake_png(png, JWS, "openbadgecredential")
    assert unbake(rebaked).text == JWS
    assert [c for c in _chunks(rebaked) if c[0] != b"iTXt"] == [c for c in _chunks(png) if c[0] != b"iTXt"]
    for name, version in (("dcpv/ob30/simple-jwt_v1.svg", "3.0"), ("bakery/baked_example.svg", "2.0")):
        svg = (TESTDATA / name).read_bytes()
        rebaked = bake_svg(svg, JSON_30, version)
        assert unbake(rebaked).text == JSON_30
        assert len(_badge_elements(rebaked)) == 1
    unbaked_svg = (TESTDATA / "bakery/unbaked_example.svg").read_bytes()
    assert unbake(bake_svg(unbaked_svg, JWS, "2.0")).text == JWS
