"""PDF files made by the tests: lines of Helvetica at given places, written as raw PDF, and a
small typesetter that lays an article out on pages (wrapped, hyphenated, with a running
header and page numbers)."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

LEFT = 72.0
TOP = 720.0
LEADING = 14.0
BODY = 11.0


@dataclass(frozen=True)
class Line:
    """A line of text whose baseline starts at (x, y), in points from the page's lower left."""

    text: str
    x: float = LEFT
    y: float = TOP
    size: float = BODY


def pdf_file(
    pages: Sequence[Sequence[Line]],
    title: str | None = None,
    image: bool = False,
    deflated: bytes | None = None,
    deflated_pages: int = 1,
    to_unicode: bytes | None = None,
    in_form: bool = False,
) -> bytes:
    """A PDF of US Letter pages holding `pages`' lines (and, if `image`, a grey picture on
    each page), its metadata title `title`; `deflated` is drawn on the first `deflated_pages`
    pages instead of their lines (a content stream, compressed). With `to_unicode` (a
    /ToUnicode map, compressed) each page writes in a font of its own that holds it; with
    `in_form`, each page's lines are a form that the page draws, the fonts the form's."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the pages are numbered
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray"
        b" /BitsPerComponent 8 /Length 4 >>\nstream\n\x20\x60\xa0\xe0\nendstream",
    ]
    kids: list[bytes] = []
    for lines in pages:
        drawn = b"".join(
            b"BT /F1 %.2f Tf 1 0 0 1 %.2f %.2f Tm (%s) Tj ET\n"
            % (line.size, line.x, line.y, _pdf_string(line.text))
            for line in lines
        )
        if image:
            drawn += b"q 400 0 0 500 100 150 cm /Im1 Do Q\n"
        stream = zlib.compress(drawn)
        if deflated is not None and len(kids) < deflated_pages:
            stream = deflated
        resources = b"/Font << /F1 3 0 R >> /XObject << /Im1 4 0 R >>"
        if to_unicode is not None:
            objects.append(_stream(b"", to_unicode))
            objects.append(
                b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding"
                b" /ToUnicode %d 0 R >>" % len(objects)
            )
            resources = b"/Font << /F1 %d 0 R >> /XObject << /Im1 4 0 R >>" % len(objects)
        if in_form:
            form = b"/Subtype /Form /BBox [0 0 612 792] /Resources << %s >> " % resources
            objects.append(_stream(form, stream))
            resources, stream = (
                b"/XObject << /Fm1 %d 0 R >>" % len(objects),
                zlib.compress(b"/Fm1 Do"),
            )
        objects.append(_stream(b"", stream))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R"
            b" /Resources << %s >> >>" % (len(objects), resources)
        )
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    info = b""
    if title is not None:
        objects.append(b"<< /Title (%s) /Producer (tests) >>" % _pdf_string(title))
        info = b" /Info %d 0 R" % len(objects)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        info,
        xref,
    )
    return bytes(out)


def _stream(keys: bytes, deflated: bytes) -> bytes:
    """A stream object's body: `keys` in its dictionary, `deflated` its compressed data."""
    return b"<< %s/Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (
        keys,
        len(deflated),
        deflated,
    )


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")  # WinAnsiEncoding, near enough
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def typeset(
    blocks: Sequence[str],
    *,
    style: str = "indent",
    width: int = 70,
    per_page: int = 40,
    header: str | None = None,
    page_numbers: str | None = None,
    title_size: float = 16.0,
) -> list[list[Line]]:
    """Lay out an article: its first block as a title, the rest as paragraphs wrapped at
    `width` characters, long words hyphenated, `per_page` lines a page. `style` sets
    paragraphs apart: "indent" (the first line indented), "gap" (a blank line between) or
    "plain" (neither: only a short last line tells). `header` runs at the top of every
    page, `page_numbers` (say "Page {page} of {pages}") at the bottom."""
    rows: list[tuple[str, float, float, float]] = []  # text, x, size, lines of space before
    title, *body = blocks
    for line in wrap(title, int(width * BODY / title_size), hyphenate=False):
        rows.append((line, LEFT, title_size, 0.0))
    for n, block in enumerate(body):
        for k, line in enumerate(wrap(block, width)):
            first = k == 0
            x = LEFT + 18 if first and style == "indent" else LEFT
            before = 1.0 if first and (style == "gap" or n == 0) else 0.0
            rows.append((line, x, BODY, before))
    pages: list[list[Line]] = []
    y = TOP
    for text, x, size, before in rows:
        if not pages or y - before * LEADING < TOP - per_page * LEADING:
            pages.append([])
            y = TOP
        elif pages[-1]:
            y -= before * LEADING
        pages[-1].append(Line(text, x, y, size))
        y -= LEADING * size / BODY
    for number, page in enumerate(pages, start=1):
        if header:
            page.insert(0, Line(header, LEFT, TOP + 40, 9))
        if page_numbers:
            shown = page_numbers.format(page=number, pages=len(pages))
            page.append(Line(shown, 290, 40, 9))
    return pages


def wrap(text: str, width: int, hyphenate: bool = True) -> list[str]:
    """`text` in lines of at most `width` characters, broken at spaces; a word that does not
    fit is hyphenated where what follows is lower case, a web link broken after a "/" or
    "-"."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while True:
            room = width - len(line) - (1 if line else 0)
            if len(word) <= room:
                line = f"{line} {word}" if line else word
                break
            cut = _cut(word, room, hyphenate)
            if cut:
                piece, word = cut
                line = f"{line} {piece}" if line else piece
            elif not line:  # too long for any line: a line of its own
                line = word
                break
            lines.append(line)
            line = ""
    return [*lines, line] if line else lines


def _cut(word: str, room: int, hyphenate: bool) -> tuple[str, str] | None:
    """The part of `word` that fits in `room` (a hyphen added inside a plain word) and the
    rest, or None."""
    if word.startswith("http"):
        at = max(word.rfind("/", 0, room), word.rfind("-", 0, room))
        return (word[: at + 1], word[at + 1 :]) if at > 8 else None
    core = word.rstrip(".,;:!?\"'")
    k = min(room - 1, len(core) - 3)
    if not hyphenate or not core.isalpha() or k < 3 or not core[k].islower():
        return None
    return f"{word[:k]}-", word[k:]
