"""Bake Open Badges data into PNG and SVG images and read it back.

The rules are those of the Open Badges baking specification (reference sections d.1 and d.2):
a PNG carries one uncompressed ``iTXt`` chunk right after ``IHDR``; an SVG carries one
``openbadges:assertion`` (2.0) or ``openbadges:credential`` (3.0) element as the first child
of its root. Images come from issuers, so every reader here treats its input as hostile:
sizes are capped, PNG checksums are checked, and XML is parsed with defusedxml.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from typing import Final, Literal, NamedTuple
from xml.etree.ElementTree import Element, ParseError  # noqa: S405 - types only; defusedxml parses
from xml.parsers import expat
from xml.sax.saxutils import quoteattr

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from backpack_desktop.domain.errors import BakingError, NoBadgeDataError, UnsafeXmlError

MAX_IMAGE_BYTES: Final = 20 * 1024 * 1024
MAX_PAYLOAD_BYTES: Final = 4 * 1024 * 1024
PNG_KEYWORDS: Final = ("openbadges", "openbadgecredential")
OpenBadgesVersion = Literal["2.0", "3.0", "legacy"]
SVG_ELEMENTS: Final[dict[OpenBadgesVersion, tuple[str, str]]] = {
    "2.0": ("http://openbadges.org", "assertion"),
    "3.0": ("https://purl.imsglobal.org/ob/v3p0", "credential"),
}
_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_MAX_CHUNKS: Final = 100_000
_BADGE_TAGS: Final = {f"{{{ns}}}{name}": ver for ver, (ns, name) in SVG_ELEMENTS.items()}
_EXPAT_BADGE_NAMES: Final = {tag[1:].replace("}", " ") for tag in _BADGE_TAGS}
_ILLEGAL_TEXT: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_COMPACT_JWS: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_START_TAG: Final = re.compile(rb"""<[^\s/>]+(?:\s+[^\s=]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>""")
_OB_XMLNS: Final = re.compile(rb"""\sxmlns:openbadges\s*=\s*("[^"]*"|'[^']*')""")
_XML_ENCODING: Final = re.compile(rb"""(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([\w.-]+)""")
_SVG_START: Final = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?svg[\s/>]")


@dataclass(frozen=True)
class BakedPayload:
    """Open Badges data read out of an image.

    Attributes:
        keyword: The PNG chunk keyword, or the SVG element in Clark notation
            (``{http://openbadges.org}assertion``) so callers never depend on a prefix.
        text: Assertion or credential JSON, a compact JWS, or (legacy) a hosted URL.
        open_badges_version: Names the carrier, not a check of the content: ``"2.0"``
            (OB 1.x/2.0), ``"3.0"`` (OpenBadgeCredential) or ``"legacy"`` (pre-2013 tEXt).
        verify: The SVG ``verify`` attribute, if there was one.
    """

    keyword: str
    text: str
    open_badges_version: OpenBadgesVersion
    verify: str | None = None


class _Chunk(NamedTuple):
    type: bytes
    start: int  # offset of the length field
    end: int  # offset just past the CRC


def _check_size(data: bytes) -> None:
    if len(data) > MAX_IMAGE_BYTES:
        raise BakingError(f"the image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB")


def _encode_payload(payload: str) -> bytes:
    """Validate a payload once for both carriers: iTXt forbids NUL and XML forbids controls."""
    if not payload.strip():
        raise BakingError("there is nothing to bake: the badge data is empty")
    if _ILLEGAL_TEXT.search(payload):
        raise BakingError("the badge data contains control characters and cannot be baked")
    try:
        encoded = payload.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BakingError("the badge data is not valid Unicode text") from exc
    if len(encoded) > MAX_PAYLOAD_BYTES:
        raise BakingError("the badge data is too large to bake into an image")
    return encoded


# PNG chunks are walked by hand rather than with Pillow: Pillow would decode and re-encode the
# pixels (changing the file) and chooses where text chunks go, while baking must insert exactly
# one chunk after IHDR and leave every other byte alone.
def _png_chunks(png: bytes) -> list[_Chunk]:
    """Split a PNG into chunks, checking the signature, lengths, CRCs, IHDR and IEND."""
    _check_size(png)
    if not png.startswith(_PNG_SIGNATURE):
        raise BakingError("not a PNG image: the file signature is wrong")
    view = memoryview(png)
    chunks: list[_Chunk] = []
    pos = len(_PNG_SIGNATURE)
    while not chunks or chunks[-1].type != b"IEND":
        if pos + 12 > len(png):
            raise BakingError("the PNG image is truncated: it has no IEND chunk")
        if len(chunks) >= _MAX_CHUNKS:
            raise BakingError("the PNG image has too many chunks")
        length, ctype = struct.unpack_from(">I4s", png, pos)
        end = pos + 12 + length
        if end > len(png):
            raise BakingError("the PNG image is truncated or has a bad chunk length")
        if not ctype.isalpha():
            raise BakingError("the PNG image has an invalid chunk type")
        if zlib.crc32(view[pos + 4 : end - 4]) != struct.unpack_from(">I", png, end - 4)[0]:
            raise BakingError(f"the PNG {ctype.decode()} chunk has a bad checksum (CRC)")
        chunks.append(_Chunk(ctype, pos, end))
        pos = end
    if chunks[0].type != b"IHDR" or chunks[0].end - chunks[0].start != 25:
        raise BakingError("the PNG image does not start with a valid IHDR chunk")
    return chunks


def _keyword(png: bytes, chunk: _Chunk) -> bytes:
    """Return a text chunk's keyword (at most 79 bytes, ended by NUL) without copying it all."""
    return png[chunk.start + 8 : min(chunk.end - 4, chunk.start + 88)].partition(b"\x00")[0]


def _is_badge_chunk(png: bytes, chunk: _Chunk) -> bool:
    if chunk.type == b"iTXt":
        return _keyword(png, chunk).decode("latin-1") in PNG_KEYWORDS
    return chunk.type == b"tEXt" and _keyword(png, chunk) == b"openbadges"


def bake_png(png: bytes, payload: str, keyword: str = "openbadges") -> bytes:
    """Return ``png`` with ``payload`` baked into one uncompressed iTXt chunk after IHDR.

    Any Open Badges chunk already present (iTXt of either keyword, or a legacy tEXt) is
    dropped, because an image carries one badge and a stale second one would let readers
    that look for different keywords disagree. All other bytes are copied unchanged. The
    keyword is ``openbadges`` (OB 1.x/2.0) or ``openbadgecredential`` (OB 3.0).

    Raises:
        ValueError: If ``keyword`` is not an Open Badges keyword.
        BakingError: If the PNG is malformed or the payload is empty, invalid or too large.
    """
    if keyword not in PNG_KEYWORDS:
        raise ValueError(f"keyword must be one of {PNG_KEYWORDS}, not {keyword!r}")
    data = keyword.encode("ascii") + b"\x00" * 5 + _encode_payload(payload)
    crc = zlib.crc32(b"iTXt" + data)
    baked = struct.pack(">I", len(data)) + b"iTXt" + data + struct.pack(">I", crc)
    chunks = _png_chunks(png)
    kept = [png[c.start : c.end] for c in chunks[1:] if not _is_badge_chunk(png, c)]
    return b"".join([png[: chunks[0].end], baked, *kept, png[chunks[-1].end :]])


def _inflate(data: bytes) -> bytes:
    """Decompress iTXt text with an output cap, so a small chunk cannot expand to gigabytes."""
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(data, MAX_PAYLOAD_BYTES + 1)
    except zlib.error as exc:
        raise BakingError("the compressed Open Badges data is corrupt") from exc
    if len(text) > MAX_PAYLOAD_BYTES:
        raise BakingError("the compressed Open Badges data is too large")
    if not inflater.eof:
        raise BakingError("the compressed Open Badges data is truncated")
    return text


def _read_itxt(data: bytes) -> BakedPayload:
    """Parse an iTXt chunk by its NUL separators: the language tags may be non-empty."""
    keyword, _, rest = data.partition(b"\x00")
    fields = rest[2:].split(b"\x00", 2)  # language tag, translated keyword, text
    if len(rest) < 2 or len(fields) != 3:
        raise BakingError("the Open Badges iTXt chunk is malformed")
    flag, method, body = rest[0], rest[1], fields[2]
    if flag == 1 and method == 0:
        body = _inflate(body)
    elif flag != 0:
        raise BakingError("the Open Badges iTXt chunk uses an unknown compression")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BakingError("the Open Badges data in the PNG is not valid UTF-8") from exc
    if not text.strip():
        raise BakingError("the Open Badges data in the PNG is empty")
    name = keyword.decode("ascii")
    return BakedPayload(name, text, "3.0" if name == "openbadgecredential" else "2.0")


def unbake_png(png: bytes) -> BakedPayload:
    """Read the Open Badges data baked into a PNG.

    The first ``openbadges``/``openbadgecredential`` iTXt chunk wins; failing that, a legacy
    ``tEXt`` chunk ``openbadges`` whose text is the hosted assertion URL.

    Raises:
        NoBadgeDataError: If the PNG is valid but carries no Open Badges data.
        BakingError: If the PNG or its Open Badges chunk is malformed.
    """
    chunks = _png_chunks(png)
    legacy: _Chunk | None = None
    for chunk in chunks:
        if chunk.type == b"iTXt" and _is_badge_chunk(png, chunk):
            return _read_itxt(png[chunk.start + 8 : chunk.end - 4])
        if legacy is None and chunk.type == b"tEXt" and _is_badge_chunk(png, chunk):
            legacy = chunk
    if legacy is not None:
        url = png[legacy.start + 8 : legacy.end - 4].partition(b"\x00")[2].decode("latin-1").strip()
        if url:
            return BakedPayload("openbadges", url, "legacy")
    raise NoBadgeDataError("no Open Badges data in image")


def _parse_svg(svg: bytes) -> Element:
    """Parse hostile SVG: a DOCTYPE is allowed (it is never fetched), entities are not."""
    _check_size(svg)
    try:
        root: Element = safe_et.fromstring(svg, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UnsafeXmlError(
            "the SVG image declares XML entities or external references, refused for safety"
        ) from exc
    except ParseError as exc:
        raise BakingError("the SVG image is not well-formed XML") from exc
    if root.tag.rpartition("}")[2] != "svg":
        raise BakingError("not a PNG or SVG image: the XML document is not an SVG")
    return root


def unbake_svg(svg: bytes) -> BakedPayload:
    """Read the Open Badges data baked into an SVG.

    The first element named ``assertion`` in the OB 2.0 namespace or ``credential`` in the
    OB 3.0 namespace wins, matched by namespace URI so any prefix works. Its trimmed body
    is the payload when non-empty, otherwise its ``verify`` attribute.

    Raises:
        NoBadgeDataError: If the SVG is valid but carries no Open Badges data.
        UnsafeXmlError: If the SVG declares entities (billion laughs, external entities).
        BakingError: If the SVG is malformed or its Open Badges element is empty.
    """
    for element in _parse_svg(svg).iter():
        version = _BADGE_TAGS.get(element.tag)
        if version is not None:
            verify = element.get("verify")
            text = (element.text or "").strip() or (verify or "").strip()
            if not text:
                raise BakingError("the Open Badges element in the SVG image is empty")
            return BakedPayload(element.tag, text, version, verify)
    raise NoBadgeDataError("no Open Badges data in image")


def _tag_end(svg: bytes, pos: int) -> int:
    match = _START_TAG.match(svg, pos)
    if match is None:
        raise BakingError("the SVG image could not be edited safely")
    return match.end()


def _locate_svg(svg: bytes) -> tuple[int, int, list[tuple[int, int]]]:
    """Return the root start tag's span and the spans of the outermost badge elements.

    ElementTree forgets source positions, so this second pass uses expat for byte offsets.
    It runs only after defusedxml accepted the document (no entity declarations), and
    expat itself never reads files or the network, so the DOCTYPE's DTD is not fetched.
    """
    parser = expat.ParserCreate(namespace_separator=" ")
    root: list[int] = []
    opened: list[int] = []  # start offset of each open element, -1 if not a badge element
    spans: list[tuple[int, int]] = []

    def on_start(name: str, _attributes: object) -> None:
        pos = parser.CurrentByteIndex
        if not root:
            root.extend((pos, _tag_end(svg, pos)))
        opened.append(pos if name in _EXPAT_BADGE_NAMES else -1)

    def on_end(_name: str) -> None:
        start = opened.pop()
        if start < 0:
            return
        end = _tag_end(svg, start)  # the end event's offset is unreliable for <a/>
        if svg[end - 2 : end] != b"/>":
            end = svg.index(b">", parser.CurrentByteIndex) + 1
        spans[:] = [span for span in spans if span[0] < start] + [(start, end)]

    parser.StartElementHandler = on_start
    parser.EndElementHandler = on_end
    try:
        parser.Parse(svg, True)
    except expat.ExpatError as exc:
        raise BakingError("the SVG image is not well-formed XML") from exc
    return root[0], root[1], spans


def _badge_element(local: str, payload: str, verify: str | None) -> bytes:
    """Build the element: a JWS goes in ``verify``; JSON goes in CDATA, split around ``]]>``.

    A carriage return is written as ``&#13;`` between CDATA sections: XML parsers turn a raw
    one into a newline, so the payload would not read back byte for byte (found by Hypothesis).
    """
    name = f"openbadges:{local}"
    if _COMPACT_JWS.fullmatch(payload):
        if verify not in (None, payload):
            raise ValueError("a compact JWS is its own verify value; do not pass another")
        return f"<{name} verify={quoteattr(payload)}/>".encode()
    attribute = f" verify={quoteattr(verify)}" if verify else ""
    body = payload.replace("]]>", "]]]]><![CDATA[>").replace("\r", "]]>&#13;<![CDATA[")
    return f"<{name}{attribute}><![CDATA[{body}]]></{name}>".encode()


def _declare_namespace(start_tag: bytes, namespace: str) -> bytes:
    """Bind ``openbadges`` on the root start tag, rebinding it if it named another version."""
    match = _OB_XMLNS.search(start_tag)
    value = quoteattr(namespace).encode()
    if match is None:
        return start_tag[:-1] + b" xmlns:openbadges=" + value + b">"
    return start_tag[: match.start(1)] + value + start_tag[match.end(1) :]


def _space_after(svg: bytes, pos: int) -> bytes:
    window = svg[pos : pos + 200]
    return window[: len(window) - len(window.lstrip())]


def _require_utf8(svg: bytes) -> None:
    """Baking edits bytes in place, which is only correct when the file is UTF-8."""
    match = _XML_ENCODING.match(svg)
    declared = match.group(1).lower() if match else b"utf-8"
    try:
        svg.decode("utf-8")
    except UnicodeDecodeError:
        declared = b"other"
    if declared not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
        raise BakingError("only UTF-8 SVG images can be baked")


def bake_svg(svg: bytes, payload: str, version: str = "2.0", verify: str | None = None) -> bytes:
    """Return ``svg`` with ``payload`` baked in as the first child of the root element.

    The document is parsed with defusedxml to validate it and with expat to find byte
    offsets; then the text is edited in place, so the rest of the file stays byte for byte
    as the issuer wrote it. Existing badge elements of either version are removed. A compact
    JWS goes in ``verify``; JSON goes in CDATA, with ``verify`` (e.g. a hosted id) if given.

    Raises:
        ValueError: If ``version`` is unknown, or ``verify`` contradicts a JWS payload.
        BakingError: If the SVG is malformed, unsafe, not UTF-8, or the payload is invalid.
    """
    if version not in SVG_ELEMENTS:
        raise ValueError(f"version must be one of {tuple(SVG_ELEMENTS)}, not {version!r}")
    namespace, local = SVG_ELEMENTS[version]
    _encode_payload(payload)
    if verify:
        _encode_payload(verify)
    _require_utf8(svg)
    _parse_svg(svg)
    root_start, root_end, spans = _locate_svg(svg)
    if svg[root_end - 2 : root_end] == b"/>":
        raise BakingError("the SVG image is empty")
    pieces = [svg[:root_start], _declare_namespace(svg[root_start:root_end], namespace)]
    pieces += [_space_after(svg, root_end), _badge_element(local, payload, verify)]
    pos = root_end
    for start, end in spans:  # drop old badge elements with the blank run after each
        pieces.append(svg[pos:start])
        pos = end + len(_space_after(svg, end))
    baked = b"".join([*pieces, svg[pos:]])
    if unbake_svg(baked).keyword != f"{{{namespace}}}{local}":
        raise BakingError("the SVG image could not be edited safely")
    return baked


def unbake(data: bytes) -> BakedPayload:
    """Read Open Badges data from a PNG or SVG image, recognised by content, not file name.

    Raises:
        NoBadgeDataError: If the image carries no Open Badges data.
        BakingError: If the data is neither a PNG nor an SVG, or is malformed or unsafe.
    """
    _check_size(data)
    if data.startswith(_PNG_SIGNATURE):
        return unbake_png(data)
    head = data[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") and _SVG_START.search(head):
        return unbake_svg(data)
    raise BakingError("not a PNG or SVG image")
