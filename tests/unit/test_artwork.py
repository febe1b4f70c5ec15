"""The sandbox's own badge and issuer artwork: valid, deterministic, varied, safe and bakeable."""

from __future__ import annotations

import dataclasses
import io
import json

import defusedxml.ElementTree as safe_et
import pytest
from PIL import Image

from backpack_desktop.domain.baking import bake_png, bake_svg, unbake
from backpack_desktop.sandbox.artwork import (
    EMBLEMS,
    PALETTES,
    SHAPES,
    BadgeDesign,
    design_for,
    issuer_logo_png,
    render_png,
    render_svg,
)

SEEDS = [f"badgeclass-{i}" for i in range(40)] + ["", "Ünïcode ✓ 🎓", "x" * 5000]
# 5 shapes and 8 emblems are coprime, so i -> (i % 5, i % 8) meets every pair once in 40 steps.
EVERY_SHAPE_AND_EMBLEM = [
    BadgeDesign(SHAPES[i % 5], *PALETTES[i % len(PALETTES)], EMBLEMS[i % 8], ribbon=i % 3 != 0)
    for i in range(len(SHAPES) * len(EMBLEMS))
]
SVG_NS = "{http://www.w3.org/2000/svg}"


def _decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_every_shape_and_emblem_is_covered() -> None:
    assert {(d.shape, d.emblem) for d in EVERY_SHAPE_AND_EMBLEM} == {(s, e) for s in SHAPES for e in EMBLEMS}


def test_design_for_is_deterministic_and_varied() -> None:
    designs = [design_for(seed) for seed in SEEDS]
    assert designs == [design_for(seed) for seed in SEEDS]
    assert len(set(designs)) > 30
    assert {d.shape for d in designs} == set(SHAPES)
    assert {d.emblem for d in designs} == set(EMBLEMS)
    assert {d.ribbon for d in designs} == {True, False}
    assert design_for("lone \ud800 surrogate") == design_for("lone \ud800 surrogate")


def test_design_validation() -> None:
    good = design_for("x")
    bad = ({"face": "red"}, {"rim": "#12345"}, {"rim": "#12345g"}, {"rim": "#-12345"}, {"shape": "square"},
           {"emblem": "text"})  # fmt: skip
    for change in bad:
        with pytest.raises(ValueError):
            dataclasses.replace(good, **change)
    with pytest.raises(dataclasses.FrozenInstanceError):
        good.face = "#000000"  # type: ignore[misc]


@pytest.mark.parametrize("design", EVERY_SHAPE_AND_EMBLEM, ids=lambda d: f"{d.shape}-{d.emblem}")
def test_render_png_is_a_real_rgba_badge(design: BadgeDesign) -> None:
    image = _decode(render_png(design))
    assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (256, 256))
    assert image.getpixel((0, 0))[3] == 0  # transparent corners: the badge has a shape
    assert image.getpixel((128, 128 if not design.ribbon else 102))[3] == 255
    colours = image.getcolors(maxcolors=256 * 256)
    assert colours is not None and len(colours) > 500  # gradients and antialiased edges, not flat fills


def test_render_png_is_deterministic_and_sized() -> None:
    design = design_for("same")
    assert render_png(design) == render_png(design)
    assert _decode(render_png(design, 64)).size == (64, 64)
    assert _decode(render_png(design, 512)).size == (512, 512)
    for bad in (0, 8, 4096):
        with pytest.raises(ValueError, match="size"):
            render_png(design, bad)


def test_different_designs_give_different_images() -> None:
    pngs = {render_png(design) for design in EVERY_SHAPE_AND_EMBLEM}
    assert len(pngs) == len(EVERY_SHAPE_AND_EMBLEM)
    base = design_for("base")
    for change in ({"face": "#000000"}, {"rim": "#ffffff"}, {"ribbon": not base.ribbon}):
        assert render_png(dataclasses.replace(base, **change)) != render_png(base)


@pytest.mark.parametrize("design", EVERY_SHAPE_AND_EMBLEM[:10], ids=lambda d: f"{d.shape}-{d.emblem}")
def test_render_svg_is_static_and_valid(design: BadgeDesign) -> None:
    svg = render_svg(design, 200)
    assert svg == render_svg(design, 200)
    root = safe_et.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("200", "200", "0 0 100 100")
    tags = {element.tag.removeprefix(SVG_NS) for element in root.iter()}
    assert not tags & {"script", "foreignObject", "image", "use", "a", "style", "iframe"}
    for element in root.iter():
        for name, value in element.attrib.items():
            assert "href" not in name and not name.startswith("on"), name
            assert "url(" not in value or value.startswith("url(#"), value
    assert b"http" not in svg.replace(b'xmlns="http://www.w3.org/2000/svg"', b"")


def test_render_svg_ids_differ_between_designs() -> None:
    """Two badges inlined in one page must not share gradient ids."""
    one, two = (safe_et.fromstring(render_svg(design_for(seed))) for seed in ("one", "two"))
    ids = [{e.get("id") for e in root.iter() if e.get("id")} for root in (one, two)]
    assert ids[0] and not ids[0] & ids[1]


def test_issuer_logo() -> None:
    logo = _decode(issuer_logo_png("issuer-1"))
    assert (logo.mode, logo.size) == ("RGBA", (128, 128))
    assert logo.getpixel((0, 0))[3] == 0 and logo.getpixel((64, 64))[3] == 255
    assert issuer_logo_png("issuer-1") == issuer_logo_png("issuer-1")
    # 10 colours x 6 marks: a few of 20 random seeds may share a logo, most must not.
    assert len({issuer_logo_png(f"issuer-{i}") for i in range(20)}) >= 15
    assert _decode(issuer_logo_png("issuer-1", 48)).size == (48, 48)
    # An issuer logo never looks like the badge drawn from the same seed.
    assert issuer_logo_png("same", 256) != render_png(design_for("same"))


def test_every_render_bakes_and_unbakes() -> None:
    payload = json.dumps({"type": "Assertion", "name": "Ünïcode ✓"}, ensure_ascii=False)
    for design in EVERY_SHAPE_AND_EMBLEM[:8]:
        assert unbake(bake_png(render_png(design), payload)).text == payload
        assert unbake(bake_svg(render_svg(design), payload, "3.0")).text == payload
        assert unbake(bake_svg(render_svg(design), "a.b.c", "2.0")).verify == "a.b.c"
    assert unbake(bake_png(issuer_logo_png("issuer"), payload, "openbadgecredential")).text == payload
