"""Property tests for baking: any payload round-trips, re-baking never doubles, pixels stay.

Hypothesis generates payloads (any Unicode XML can carry, JSON-like or not), 2.0 and 3.0
carriers, and images with and without an existing badge chunk.
"""

from __future__ import annotations

import io
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from backpack_desktop.domain.baking import bake_png, bake_svg, unbake, unbake_png, unbake_svg

# Characters XML 1.0 can hold (the SVG carrier); PNG iTXt takes any UTF-8 but shares the set here.
XML_CHARS = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="\x00\ufffe\uffff" + "".join(chr(c) for c in range(1, 32) if chr(c) not in "\t\n\r"),
)
PAYLOADS = st.text(XML_CHARS, min_size=1, max_size=400).filter(lambda t: t.strip() == t and t)
KEYWORDS = st.sampled_from(["openbadges", "openbadgecredential"])
VERSIONS = st.sampled_from(["2.0", "3.0"])
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


def _png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def _idat(png: bytes) -> list[bytes]:
    return [m.group(0) for m in re.finditer(rb"IDAT.*?(?=....(?:IEND|IDAT))", png, re.S)]


@settings(max_examples=150, deadline=None)
@given(
    payload=PAYLOADS,
    keyword=KEYWORDS,
    pre_baked=st.booleans(),
    size=st.tuples(st.integers(1, 40), st.integers(1, 40)),
    colour=st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)),
)
def test_png_round_trips_once_with_pixels_untouched(
    payload: str, keyword: str, pre_baked: bool, size: tuple[int, int], colour: tuple[int, int, int]
) -> None:
    image = _png(*size, colour)
    if pre_baked:
        image = bake_png(image, "an older assertion", keyword)
    baked = bake_png(image, payload, keyword)
    found = unbake_png(baked)
    assert found.text == payload and found.keyword == keyword
    assert baked.count(b"iTXt" + keyword.encode()) == 1  # one chunk, never two
    assert _idat(baked) == _idat(image)  # the pixels are the original bytes
    assert unbake(bake_png(baked, payload, keyword)) == found  # baking again changes nothing


@settings(max_examples=150, deadline=None)
@given(
    payload=PAYLOADS,
    version=VERSIONS,
    pre_baked=st.booleans(),
    verify=st.none() | st.just("https://x.example/a"),
)
def test_svg_round_trips_once_and_keeps_the_drawing(
    payload: str, version: str, pre_baked: bool, verify: str | None
) -> None:
    image = bake_svg(SVG, "an older assertion", version) if pre_baked else SVG
    baked = bake_svg(image, payload, version, verify)
    found = unbake_svg(baked)
    assert found.text == payload and found.verify == verify
    element = b"openbadges:assertion" if version == "2.0" else b"openbadges:credential"
    assert baked.count(b"<" + element) == 1
    assert b'<rect width="10" height="10"/>' in baked
    assert unbake_svg(bake_svg(baked, payload, version, verify)).text == payload
