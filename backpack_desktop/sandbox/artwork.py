"""Badge and issuer artwork drawn by our own code, for the local sandbox server.

The sandbox needs badge, award and issuer images that look real without shipping anyone's
artwork. Every design is vector geometry in a 100 x 100 space, built once by
:func:`_layout`, then painted by Pillow (PNG) or written out as SVG, so both formats show the
same badge. Designs come from a hash of a seed string, so a badge keeps its look across runs.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from string import hexdigits
from typing import Final, Literal, NamedTuple

from PIL import Image, ImageChops, ImageDraw, ImageFilter

Shape = Literal["circle", "shield", "hexagon", "star", "rosette"]
Emblem = Literal["check", "star", "book", "gear", "code", "leaf", "globe", "chart"]
SHAPES: Final[tuple[Shape, ...]] = ("circle", "shield", "hexagon", "star", "rosette")
EMBLEMS: Final[tuple[Emblem, ...]] = (
    "check", "star", "book", "gear", "code", "leaf", "globe", "chart",
)  # fmt: skip
# Curated (face, rim) pairs: a saturated face with a metallic or contrasting rim.
PALETTES: Final = (
    ("#1f5fbf", "#e8b931"), ("#2e7d32", "#b8c2cc"), ("#7b2fa8", "#e8b931"),
    ("#c0392b", "#d5dbe0"), ("#00897b", "#f0a030"), ("#283593", "#9fb3c8"),
    ("#e4572e", "#3d4b5c"), ("#ad1457", "#c9a86a"), ("#5d4037", "#d8a45c"),
    ("#0277bd", "#7fd3e0"),
)  # fmt: skip
_SUPERSAMPLE: Final = 2
Point = tuple[float, float]
Rgb = tuple[int, int, int]


class _Poly(NamedTuple):
    points: list[Point]
    cut: bool = False  # True: erase from the emblem (a gap), not paint


class _Line(NamedTuple):
    points: list[Point]
    width: float
    cut: bool = False


class _Oval(NamedTuple):
    cx: float
    cy: float
    rx: float
    ry: float
    width: float | None = None  # None: filled; otherwise the stroke width
    cut: bool = False


_Prim = _Poly | _Line | _Oval


@dataclass(frozen=True)
class BadgeDesign:
    """The look of one badge.

    Attributes:
        shape: The outline of the badge body.
        face: Hex colour (``#rrggbb``) of the inner face.
        rim: Hex colour of the rim and the ribbon stripe.
        emblem: The vector symbol in the middle; never text, so no fonts are needed.
        ribbon: Whether two ribbon tails hang below the badge.
    """

    shape: Shape
    face: str
    rim: str
    emblem: Emblem
    ribbon: bool = True

    def __post_init__(self) -> None:
        if self.shape not in SHAPES or self.emblem not in EMBLEMS:
            raise ValueError(f"unknown shape or emblem: {self.shape!r}, {self.emblem!r}")
        _rgb(self.face), _rgb(self.rim)


def design_for(seed: str) -> BadgeDesign:
    """Pick a design from any string (a badge id or name); the same seed gives the same one."""
    digest = hashlib.sha256(seed.encode("utf-8", "surrogatepass")).digest()
    face, rim = PALETTES[digest[1] % len(PALETTES)]
    return BadgeDesign(
        SHAPES[digest[0] % len(SHAPES)], face, rim, EMBLEMS[digest[2] % len(EMBLEMS)],
        ribbon=digest[3] % 4 != 0,
    )  # fmt: skip


def _rgb(colour: str) -> Rgb:
    if len(colour) != 7 or colour[0] != "#" or not all(c in hexdigits for c in colour[1:]):
        raise ValueError(f"colour must look like #rrggbb, not {colour!r}")
    value = int(colour[1:], 16)
    return value >> 16, (value >> 8) & 0xFF, value & 0xFF


def _mix(colour: str, other: Rgb, amount: float) -> Rgb:
    base = _rgb(colour)
    r, g, b = (round(c + (o - c) * amount) for c, o in zip(base, other, strict=True))
    return r, g, b


def _hex(rgb: Rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _rounded(points: list[Point], radius: float, steps: int = 6) -> list[Point]:
    """Round every corner of a polygon with a quadratic curve, like a pressed metal badge."""
    out: list[Point] = []
    for i, (x, y) in enumerate(points):
        ends = []
        for qx, qy in (points[i - 1], points[(i + 1) % len(points)]):
            dist = math.hypot(qx - x, qy - y) or 1.0
            step = min(radius, dist / 2) / dist
            ends.append((x + (qx - x) * step, y + (qy - y) * step))
        out += _quad(ends[0], (x, y), ends[1], steps)
    return out


def _quad(start: Point, control: Point, end: Point, steps: int) -> list[Point]:
    """Sample a quadratic Bezier curve, ends included."""
    out: list[Point] = []
    for t in (k / steps for k in range(steps + 1)):
        u, v, w = (1 - t) ** 2, 2 * t * (1 - t), t * t
        out.append((u * start[0] + v * control[0] + w * end[0], u * start[1] + v * control[1] + w * end[1]))
    return out


def _radial(count: int, radius: float | Callable[[float], float], turn: float = -90.0) -> list[Point]:
    """Sample ``count`` points around the origin; ``radius`` is a number or f(angle)."""
    points = []
    for i in range(count):
        angle = math.radians(turn + 360.0 * i / count)
        r = radius(angle) if callable(radius) else radius
        points.append((r * math.cos(angle), r * math.sin(angle)))
    return points


def _outline(shape: Shape) -> list[Point]:
    """The badge outline around the origin with a radius of about 1 (y points down)."""
    if shape == "circle":
        return _radial(120, 1.0)
    if shape == "hexagon":
        return _rounded(_radial(6, 1.04), 0.16, 10)
    if shape == "star":
        return _rounded(_radial(24, lambda a: 1.0 if round(math.degrees(a)) % 30 else 0.88), 0.05)
    if shape == "rosette":
        return _radial(192, lambda a: 0.9 + 0.1 * abs(math.cos(8 * a)))
    side = [(0.86, -0.8), (0.86, 0.05), (0.8, 0.62), (0.46, 0.86), (0.0, 1.02)]
    right = [(0.0, -0.98), (0.42, -0.9), *side]
    return _rounded(right + [(-x, y) for x, y in reversed(right[1:-1])], 0.14, 8)


def _emblem(name: Emblem) -> list[_Prim]:
    """The emblem in the 100 x 100 space, centred on (50, 50), about 40 units across."""
    if name == "check":
        return [_Line([(36, 51), (46, 61), (65, 40)], 8)]
    if name == "star":
        star = _radial(10, lambda a: 20.0 if round(math.degrees(a) + 90) % 72 == 0 else 8.5)
        return [_Poly(_rounded([(50 + x, 51 + y) for x, y in star], 1.6, 3))]
    if name == "book":
        left: list[Point] = [(49, 42), (40, 38), (31, 39), (31, 62), (40, 61), (49, 65)]
        return [_Poly(left), _Poly([(100 - x, y) for x, y in left]),
                _Line([(35, 45), (44, 47)], 1.8, True), _Line([(35, 51), (44, 53)], 1.8, True),
                _Line([(56, 47), (65, 45)], 1.8, True), _Line([(56, 53), (65, 51)], 1.8, True)]  # fmt: skip
    if name == "gear":
        gear = [(50 + r * math.cos(a), 50 + r * math.sin(a))
                for i in range(8) for r, d in ((14.5, -17), (20, -9), (20, 9), (14.5, 17))
                for a in (math.radians(i * 45 + d - 90),)]  # fmt: skip
        return [_Poly(_rounded(gear, 1.0, 3)), _Oval(50, 50, 6.5, 6.5, None, True)]
    if name == "code":
        return [_Line([(39, 39), (29, 50), (39, 61)], 5.5), _Line([(61, 39), (71, 50), (61, 61)], 5.5),
                _Line([(54, 35), (46, 65)], 5)]  # fmt: skip
    if name == "leaf":
        leaf = _quad((36, 64), (31, 31), (68, 32), 16) + _quad((68, 32), (69, 69), (36, 64), 16)
        return [_Poly(leaf), _Line([(44, 56), (60, 40)], 2.2, True), _Line([(30, 70), (39, 61)], 3.6)]
    if name == "globe":
        return [_Oval(50, 50, 18, 18, 3.6), _Oval(50, 50, 7.5, 18, 3),
                _Line([(33, 50), (67, 50)], 3), _Line([(36.5, 41), (63.5, 41)], 2.6),
                _Line([(36.5, 59), (63.5, 59)], 2.6)]  # fmt: skip
    bars = [_Poly(_rounded([(x, y), (x + 7, y), (x + 7, 63), (x, 63)], 1.5, 3))
            for x, y in ((34, 54), (46.5, 46), (59, 38))]  # fmt: skip
    return [*bars, _Line([(31, 67), (69, 67)], 3), _Line([(33, 45), (44, 37), (52, 40), (66, 30)], 2.6)]


class _Layout(NamedTuple):
    outer: list[Point]
    face: list[Point]
    ring: list[Point]
    gloss: list[Point]
    tails: list[tuple[list[Point], Rgb]]
    emblem: list[_Prim]
    colours: dict[str, Rgb]


def _place(points: list[Point], cx: float, cy: float, r: float) -> list[Point]:
    return [(cx + x * r, cy + y * r) for x, y in points]


def _above(points: list[Point], limit: float) -> list[Point]:
    """Clip a polygon to the half-plane ``y <= limit`` (one Sutherland-Hodgman pass)."""
    out: list[Point] = []
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        if y1 <= limit:
            out.append((x1, y1))
        if (y1 <= limit) != (y2 <= limit):
            out.append((x1 + (x2 - x1) * (limit - y1) / (y2 - y1), limit))
    return out


def _tail(angle: float, half: float) -> list[Point]:
    """A ribbon tail (or, when narrower, its stripe) swung ``angle`` degrees outwards.

    Its V-notched end follows the full tail's notch, so a stripe runs right to the cut.
    """
    bottom, notch, full = 1.36, 0.17, 0.24
    end = bottom - notch + notch * half / full
    pts = [(-half, 0.2), (half, 0.2), (half, end), (0.0, bottom - notch), (-half, end)]
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return [(x * cos - y * sin, x * sin + y * cos) for x, y in pts]


def _layout(design: BadgeDesign) -> _Layout:
    """Build every shape of the badge in the 100 x 100 space, shared by PNG and SVG output."""
    cx, cy, r = (50.0, 40.0, 35.0) if design.ribbon else (50.0, 50.0, 43.0)
    unit = _outline(design.shape)
    face = _place([(x * 0.84, y * 0.84) for x, y in unit], cx, cy, r)
    white, black = (255, 255, 255), (0, 0, 0)
    colours = {
        "rim_top": _mix(design.rim, white, 0.35), "rim_bottom": _mix(design.rim, black, 0.3),
        "face_top": _mix(design.face, white, 0.18), "face_bottom": _mix(design.face, black, 0.32),
        "tail": _mix(design.face, black, 0.12), "tail_dark": _mix(design.face, black, 0.3),
        "stripe": _mix(design.rim, white, 0.1), "emblem_shadow": _mix(design.face, black, 0.6),
    }  # fmt: skip
    tails: list[tuple[list[Point], Rgb]] = []
    for angle, shade in ((21.0, "tail"), (-21.0, "tail_dark")) if design.ribbon else ():
        tails.append((_place(_tail(angle, 0.24), cx, cy, r), colours[shade]))
        tails.append((_place(_tail(angle, 0.06), cx, cy, r), colours["stripe"]))
    return _Layout(
        _place(unit, cx, cy, r), face, _place([(x * 0.77, y * 0.77) for x, y in unit], cx, cy, r),
        _above(face, cy - 0.12 * r), tails,
        [_move(prim, cx, cy, r / 40.0) for prim in _emblem(design.emblem)], colours,
    )  # fmt: skip


def _move(prim: _Prim, cx: float, cy: float, k: float) -> _Prim:
    """Scale an emblem primitive about (50, 50) by ``k`` and centre it on (cx, cy)."""

    def at(p: Point) -> Point:
        return cx + (p[0] - 50) * k, cy + (p[1] - 50) * k

    if isinstance(prim, _Oval):
        width = None if prim.width is None else prim.width * k
        return _Oval(*at((prim.cx, prim.cy)), prim.rx * k, prim.ry * k, width, prim.cut)
    if isinstance(prim, _Line):
        return _Line([at(p) for p in prim.points], prim.width * k, prim.cut)
    return _Poly([at(p) for p in prim.points], prim.cut)


Rgba = tuple[int, int, int, int]


def _check_size(size: int) -> None:
    if not 16 <= size <= 2048:
        raise ValueError(f"size must be between 16 and 2048 pixels, not {size}")


class _Painter:
    """Paints 100-unit geometry onto an RGBA canvas drawn large, then shrunk to antialias.

    Pillow's polygon and line drawing has no antialiasing, so everything is drawn at
    ``_SUPERSAMPLE`` times the target size and averaged down at the end.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.pixels = size * _SUPERSAMPLE
        self.scale = self.pixels / 100.0
        self.image = Image.new("RGBA", (self.pixels, self.pixels), (0, 0, 0, 0))

    def _mask(self) -> tuple[Image.Image, ImageDraw.ImageDraw]:
        mask = Image.new("L", (self.pixels, self.pixels), 0)
        return mask, ImageDraw.Draw(mask)

    def _xy(self, points: list[Point]) -> list[Point]:
        return [(x * self.scale, y * self.scale) for x, y in points]

    def _compose(self, mask: Image.Image, top: Rgba, bottom: Rgba, span: Point) -> None:
        """Lay a vertical gradient from ``top`` to ``bottom`` over ``span`` through ``mask``.

        Only the mask's bounding box is composited, which keeps a render well under 50 ms.
        """
        box = mask.getbbox()
        if box is None:
            return
        left, upper, right, lower = box
        if top == bottom:
            layer = Image.new("RGBA", (right - left, lower - upper), top)
        else:
            y0, y1 = span[0] * self.scale, max(span[1] * self.scale, span[0] * self.scale + 1)
            rows = bytearray()
            for row in range(upper, lower):
                t = min(max((row + 0.5 - y0) / (y1 - y0), 0.0), 1.0)
                rows += bytes(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
            layer = Image.frombytes("RGBA", (1, lower - upper), bytes(rows))
            layer = layer.resize((right - left, lower - upper), Image.Resampling.NEAREST)
        alpha = ImageChops.multiply(layer.getchannel("A"), mask.crop(box))
        layer.putalpha(alpha)
        self.image.alpha_composite(layer, (left, upper))

    def fill(self, points: list[Point], top: Rgba, bottom: Rgba | None = None) -> None:
        mask, draw = self._mask()
        draw.polygon(self._xy(points), fill=255)
        ys = [y for _, y in points]
        self._compose(mask, top, bottom or top, (min(ys), max(ys)))

    def shadow(self, points: list[Point], offset: float, blur: float) -> None:
        mask, draw = self._mask()
        draw.polygon([(x, y + offset * self.scale) for x, y in self._xy(points)], fill=255)
        mask = mask.filter(ImageFilter.GaussianBlur(blur * self.scale))
        self._compose(mask, (0, 0, 0, 90), (0, 0, 0, 90), (0.0, 100.0))

    def prims(self, prims: list[_Prim], colour: Rgba, offset: float = 0.0) -> None:
        """Paint primitives; ``cut`` ones erase, so gaps show whatever lies beneath."""
        mask, draw = self._mask()
        s = self.scale
        for prim in prims:
            value = 0 if prim.cut else 255
            if isinstance(prim, _Oval):
                w = prim.width or 0.0
                box = [(prim.cx - prim.rx - w / 2) * s, (prim.cy - prim.ry - w / 2 + offset) * s,
                       (prim.cx + prim.rx + w / 2) * s, (prim.cy + prim.ry + w / 2 + offset) * s]  # fmt: skip
                draw.ellipse(box, fill=None if prim.width else value,
                             outline=value if prim.width else None, width=round(w * s))  # fmt: skip
                continue
            points = self._xy([(x, y + offset) for x, y in prim.points])
            if isinstance(prim, _Poly):
                draw.polygon(points, fill=value)
                continue
            draw.line(points, fill=value, width=round(prim.width * s), joint="curve")
            for x, y in (points[0], points[-1]):  # round caps, as SVG stroke-linecap="round"
                half = prim.width * s / 2
                draw.ellipse([x - half, y - half, x + half, y + half], fill=value)
        self._compose(mask, colour, colour, (0.0, 100.0))

    def png(self) -> bytes:
        # A box average of each 2 x 2 block is the textbook supersampling filter, and reduce()
        # does it on premultiplied alpha; compress level 3 is 5 % larger than 6, 40 % faster.
        out = io.BytesIO()
        self.image.reduce(_SUPERSAMPLE).save(out, "PNG", compress_level=3)
        return out.getvalue()


def render_png(design: BadgeDesign, size: int = 256) -> bytes:
    """Draw ``design`` as a square RGBA PNG; the same design and size give the same bytes."""
    _check_size(size)
    layout, painter = _layout(design), _Painter(size)
    c = {name: (*rgb, 255) for name, rgb in layout.colours.items()}
    painter.shadow(layout.outer, 1.6, 1.4)
    for points, colour in layout.tails:
        painter.fill(points, (*colour, 255))
    painter.fill(layout.outer, c["rim_top"], c["rim_bottom"])
    painter.fill(layout.face, c["face_top"], c["face_bottom"])
    painter.fill(layout.gloss, (255, 255, 255, 70), (255, 255, 255, 0))
    painter.prims([_Line([*layout.ring, layout.ring[0]], 0.9)], (255, 255, 255, 110))
    painter.prims(layout.emblem, c["emblem_shadow"][:3] + (140,), offset=1.0)
    painter.prims(layout.emblem, (255, 255, 255, 255))
    return painter.png()


def _svg_points(points: list[Point]) -> str:
    return " ".join(f"{x:.2f},{y:.2f}" for x, y in points)


def _svg_gradient(gid: str, top: Rgb, bottom: Rgb, opacity: tuple[float, float] = (1, 1)) -> str:
    stops = "".join(
        f'<stop offset="{i}" stop-color="{_hex(c)}" stop-opacity="{o}"/>'
        for i, c, o in ((0, top, opacity[0]), (1, bottom, opacity[1]))
    )
    return f'<linearGradient id="{gid}" x1="0" y1="0" x2="0" y2="1">{stops}</linearGradient>'


def _svg_prims(prims: list[_Prim], fill: str, cut_fill: str) -> str:
    """Write primitives; ``cut`` ones are painted in ``cut_fill`` (the face) to show a gap."""
    out = []
    for prim in prims:
        paint = cut_fill if prim.cut else fill
        if isinstance(prim, _Oval) and prim.width is None:
            out.append(f'<ellipse cx="{prim.cx:.2f}" cy="{prim.cy:.2f}" rx="{prim.rx:.2f}" '
                       f'ry="{prim.ry:.2f}" fill="{paint}"/>')  # fmt: skip
        elif isinstance(prim, _Oval):
            out.append(f'<ellipse cx="{prim.cx:.2f}" cy="{prim.cy:.2f}" rx="{prim.rx:.2f}" '
                       f'ry="{prim.ry:.2f}" fill="none" stroke="{paint}" '
                       f'stroke-width="{prim.width:.2f}"/>')  # fmt: skip
        elif isinstance(prim, _Poly):
            out.append(f'<polygon points="{_svg_points(prim.points)}" fill="{paint}"/>')
        else:
            out.append(f'<polyline points="{_svg_points(prim.points)}" fill="none" '
                       f'stroke="{paint}" stroke-width="{prim.width:.2f}" '
                       'stroke-linecap="round" stroke-linejoin="round"/>')  # fmt: skip
    return "".join(out)


def render_svg(design: BadgeDesign, size: int = 256) -> bytes:
    """Write ``design`` as a static SVG: no scripts, no masks, no external references.

    Gaps in the emblem are painted with the face gradient in user space, so the file needs
    no ``<mask>``, which simple SVG renderers (SVG Tiny) do not support.
    """
    _check_size(size)
    layout = _layout(design)
    c = layout.colours
    uid = "b" + hashlib.sha256(repr(design).encode()).hexdigest()[:8]  # unique when inlined
    ys = [y for _, y in layout.face]
    face_gradient = _svg_gradient(f"{uid}f", c["face_top"], c["face_bottom"]).replace(
        'x1="0" y1="0" x2="0" y2="1"',
        f'gradientUnits="userSpaceOnUse" x1="0" y1="{min(ys):.2f}" x2="0" y2="{max(ys):.2f}"',
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        'viewBox="0 0 100 100">',
        "<defs>", _svg_gradient(f"{uid}r", c["rim_top"], c["rim_bottom"]), face_gradient,
        _svg_gradient(f"{uid}g", (255, 255, 255), (255, 255, 255), (0.27, 0)),
        f'<filter id="{uid}s" x="-20%" y="-20%" width="140%" height="140%">'
        '<feGaussianBlur stdDeviation="1.4"/></filter>', "</defs>",
        f'<polygon points="{_svg_points(layout.outer)}" fill="#000" fill-opacity="0.35" '
        f'transform="translate(0 1.6)" filter="url(#{uid}s)"/>',
        *(f'<polygon points="{_svg_points(p)}" fill="{_hex(rgb)}"/>' for p, rgb in layout.tails),
        f'<polygon points="{_svg_points(layout.outer)}" fill="url(#{uid}r)"/>',
        f'<polygon points="{_svg_points(layout.face)}" fill="url(#{uid}f)"/>',
        f'<polygon points="{_svg_points(layout.gloss)}" fill="url(#{uid}g)"/>',
        f'<polygon points="{_svg_points(layout.ring)}" fill="none" stroke="#fff" '
        'stroke-opacity="0.43" stroke-width="0.9"/>',
        f'<g transform="translate(0 1)" opacity="0.55">'
        f'{_svg_prims(layout.emblem, _hex(c["emblem_shadow"]), "none")}</g>',
        _svg_prims(layout.emblem, "#fff", f"url(#{uid}f)"), "</svg>",
    ]  # fmt: skip
    return "".join(parts).encode("utf-8")


_SUNRISE: Final = [(50 + 16 * math.cos(math.radians(a)), 62 - 16 * math.sin(math.radians(a)))
                   for a in range(0, 181, 10)]  # fmt: skip
_MARKS: Final[tuple[list[_Prim], ...]] = (
    [_Oval(50, 50, 19, 19, 7), _Oval(50, 50, 6.5, 6.5)],
    [_Line([(50, 29), (71, 66), (29, 66), (50, 29), (71, 66)], 7)],
    [_Poly([(x, y - 9), (x + 9, y), (x, y + 9), (x - 9, y)])
     for x, y in ((50, 37), (37, 50), (63, 50), (50, 63))],
    [_Line([(32, 34), (50, 47), (68, 34)], 7), _Line([(32, 53), (50, 66), (68, 53)], 7)],
    [_Poly(_SUNRISE), _Line([(27, 68), (73, 68)], 6), _Line([(50, 36), (50, 30)], 4.5),
     _Line([(33, 43), (29, 39)], 4.5), _Line([(67, 43), (71, 39)], 4.5)],
    [_Poly([(50 + x, 50 + y) for x, y in _radial(8, lambda a: 7.0 if round(math.degrees(a)) % 90
                                                 else 23.0)])],
)  # fmt: skip


def issuer_logo_png(seed: str, size: int = 128) -> bytes:
    """Draw a simple issuer logo (a rounded square with a geometric mark) chosen by ``seed``."""
    _check_size(size)
    digest = hashlib.sha256(b"issuer:" + seed.encode("utf-8", "surrogatepass")).digest()
    colour = PALETTES[digest[0] % len(PALETTES)][0]
    mark = _MARKS[digest[1] % len(_MARKS)]
    square = _rounded([(8, 8), (92, 8), (92, 92), (8, 92)], 20, 10)
    inner = _rounded([(12, 12), (88, 12), (88, 88), (12, 88)], 16, 10)
    painter = _Painter(size)
    painter.shadow(square, 1.5, 1.5)
    painter.fill(square, (*_mix(colour, (255,) * 3, 0.22), 255), (*_mix(colour, (0,) * 3, 0.3), 255))
    painter.prims([_Line([*inner, inner[0]], 1.0)], (255, 255, 255, 70))
    painter.prims(mark, (*_mix(colour, (0,) * 3, 0.6), 130), offset=1.2)
    painter.prims(mark, (255, 255, 255, 255))
    return painter.png()
