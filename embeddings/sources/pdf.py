"""PDF articles: the text layer, read by pypdf, rebuilt into the paragraphs a reader sees.

pypdf gives each page's lines of text and where they start. Running headers and footers
(a line at the top or bottom of most pages, whatever its numbers) and page numbers are
dropped. A paragraph ends at a blank gap, a line indented past the one before, a change
of type size, or a short line (unless its sentence goes on below in lower case); its lines
are joined with spaces, and a word hyphenated at a line's end is joined again (see
`_join`). The title is the first paragraph, or the one of the first three that the
document's metadata names; then the plain-text rules apply (date, caption, source link,
broken paragraphs: see `text.parse_text_article`).

A PDF without a text layer (a scan), an encrypted one and a damaged one are refused with
one line. At most `MAX_PAGES` pages are read, and at most `MAX_CONTENT_BYTES` of content,
forms and fonts inflated, all pages together; pypdf bounds how much of a content stream is
parsed.
"""

from __future__ import annotations

import io
import itertools
import logging
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any

from embeddings.article import Article
from embeddings.errors import ArticleError
from embeddings.sources.text import parse_text_article

MAX_PAGES = 300
"""More pages than this are no article: refused before any page is read."""

MAX_CONTENT_BYTES = 50_000_000
"""What the pages' content streams, the forms they draw and their fonts' streams (a /ToUnicode
map, a font file...) may inflate to, all together and each alone: more is no article. What
text extraction inflates stays in memory, so pypdf's own limit, on each stream alone, would
let a small file of many pages, forms or fonts fill gigabytes."""

MAX_OBJECTS = 100_000
"""How many objects (fonts, forms, their parts) the count of `MAX_CONTENT_BYTES` may look at,
all pages together: more is no article."""

_INFLATE_LIMITS = (
    "zlib_maximum_output_length",
    "lzw_maximum_output_length",
    "run_length_maximum_output_length",
    "brotli_maximum_output_length",
    "array_based_stream_maximum_output_length",
)
"""pypdf's limits on what one stream may decode to, each set to `MAX_CONTENT_BYTES` here."""

MIN_TEXT = 100
"""Fewer letters and digits than this (headers and page numbers aside) is no text layer."""

_EDGE_LINES = 3
"""Lines at the top and at the bottom of a page that may be a running header or footer."""

_PAGE_NUMBER = re.compile(
    r"[-\u2013\u2014\s]*(?:page\s*)?(?:\d{1,4}|(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))"
    r"(?:\s*(?:of|/)\s*\d{1,4})?[-\u2013\u2014\s]*",
    re.IGNORECASE,
)
"""A page number: "3", "Page 3", "3 of 10", "3/10", "- 3 -", "iv"."""
_CLOSING = (".", "!", "?", '"', "'", "\u201d", "\u2019", ")", "]", ":", ";", "\u2026")
_LIGATURES = re.compile("[\ufb00-\ufb06]")
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d_]+")
# Tried only where a word starts (the look-behind): from inside a long run of letters each
# try would run to its end again, and a 150,000-letter word would take hours.
_COMPOUND = re.compile(r"(?<![^\W\d_])[^\W\d_]+(?:-[^\W\d_]+)+")
_BROKEN_WORD = re.compile(r"(?<![^\W\d_])([^\W\d_]+)-$")
_LINK_PIECE = re.compile(r"[(\[<\"']?(?:https?://|www\.)\S*[/\-_.?&=#%~]", re.IGNORECASE)
"""A web link broken at a line's end, after one of the characters it is broken at."""

NO_TEXT = "that PDF has no text layer (a scan?): I can only read PDFs with text"


@dataclass(frozen=True)
class _Line:
    """A line of a page: its text, where its baseline starts, its type size."""

    text: str
    x: float
    y: float
    size: float


def parse_pdf_article(raw: bytes, source: str = "<pdf>") -> Article:
    """An article from a PDF's bytes.

    Raises `ArticleError` when the PDF is damaged, encrypted, has too many pages or no text.
    """
    title, pages = _read_pages(raw, source)
    pages = _without_running_lines(pages)
    if sum(ch.isalnum() for page in pages for line in page for ch in line.text) < MIN_TEXT:
        raise ArticleError(f"{source}: {NO_TEXT}")
    blocks = _titled(title, _paragraphs(pages))
    return parse_text_article("\n\n".join(blocks), source=source)


def _read_pages(raw: bytes, source: str) -> tuple[str | None, list[list[_Line]]]:
    """The metadata title and each page's lines, read by pypdf."""
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError

    # What pypdf repairs in a damaged file is its warnings, one per fault: a stranger's file
    # could fill the log. What the reader makes of the file is said in one line instead.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    limits = dict.fromkeys(_INFLATE_LIMITS, MAX_CONTENT_BYTES)
    try:
        with apply_configuration(None, **limits):  # this reading only, not pypdf's other users
            reader = PdfReader(io.BytesIO(raw))
            if reader.is_encrypted and not reader.decrypt(""):  # no password opens it
                raise FileNotDecryptedError
            count = len(reader.pages)
            if count > MAX_PAGES:
                raise ArticleError(f"{source}: too many pages ({count:,}, at most {MAX_PAGES:,})")
            title = _metadata_title(reader)
            # Each page's content, forms and fonts inflated and counted before any page is
            # read for its text.
            seen: set[Any] = set()
            content = 0
            for page in reader.pages:
                content += _content_size(page, seen, MAX_CONTENT_BYTES - content)
            return title, [_page_lines(page) for page in reader.pages]
    except (ArticleError, MemoryError, RecursionError):
        raise
    except (FileNotDecryptedError, DependencyError):
        raise ArticleError(f"{source}: that PDF is encrypted: I cannot open it") from None
    except LimitReachedError:
        raise ArticleError(f"{source}: too large or too complex to read") from None
    except Exception:  # pypdf fails on a damaged file in many ways, none of them the user's to see
        raise ArticleError(f"{source}: not a readable PDF (damaged?)") from None


def _content_size(page: Any, seen: set[Any], room: int) -> int:
    """How many bytes the streams a page's text extraction reads inflate to: its content, the
    forms it may draw (and theirs), their fonts and every stream a font holds (its /ToUnicode
    map, font file, descendant fonts...). Images, and the resources text extraction never
    reads (graphics states, patterns, shadings, colour spaces), are left out; so is what is
    in `seen` (counted on an earlier page), and what this page counts is added to it. pypdf
    keeps what it inflates, and the text extraction uses it again: more than `room` bytes
    stop the count there, as do more than `MAX_OBJECTS` objects looked at, all pages
    together (`LimitReachedError`)."""
    from pypdf.errors import LimitReachedError
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    containers = (IndirectObject, DictionaryObject, ArrayObject)  # what the walk goes into
    size = 0
    contents = _resolved(page.get("/Contents"))
    # What each object is to text extraction: "content" (a page's, inflated whatever it says
    # it is), "resources" (a page's, a form's or a Type 3 font's: their fonts and forms are
    # read), "drawn" (an XObject: a form, read with its resources, or an image, not read) or
    # "font" (a font or any part of it: any of it may be read).
    todo = [
        (obj, "content") for obj in (contents if isinstance(contents, ArrayObject) else [contents])
    ]
    todo.append((page.get("/Resources"), "resources"))
    while todo:
        item, role = todo.pop()
        obj = _resolved(item)
        if not isinstance(obj, (DictionaryObject, ArrayObject)) or (id(obj), role) in seen:
            continue
        seen.add((id(obj), role))  # each object once in each role: a cycle ends
        if len(seen) > MAX_OBJECTS:
            raise LimitReachedError("objects")
        if isinstance(obj, ArrayObject):  # in a font: its descendant font, widths, differences
            todo += [(value, role) for value in obj if isinstance(value, containers)]
            continue
        image = role == "drawn" and _resolved(obj.get("/Subtype")) == "/Image"
        if isinstance(obj, StreamObject) and not image and id(obj) not in seen:
            seen.add(id(obj))  # each stream counted once, whatever it was reached as
            size += _inflated(obj, role == "font")
            if size > room:
                raise LimitReachedError("content")
        if role == "resources":
            for key, part in (("/Font", "font"), ("/XObject", "drawn")):
                named = _resolved(obj.get(key))
                if isinstance(named, DictionaryObject):
                    todo += [(value, part) for value in named.values()]
        elif role == "drawn" and not image:
            todo.append((obj.get("/Resources"), "resources"))
        elif role == "font":
            todo += [
                (value, "resources" if key == "/Resources" else "font")
                for key, value in obj.items()
                if isinstance(value, containers)
            ]
    return size


def _inflated(stream: Any, optional: bool) -> int:
    """How many bytes a stream inflates to, pypdf keeping them; 0 for a font's stream that
    does not inflate (text extraction does without it, or fails on its own)."""
    from pypdf.errors import LimitReachedError

    try:
        return len(stream.get_data())
    except (LimitReachedError, MemoryError, RecursionError):
        raise
    except Exception:
        if optional:
            return 0
        raise


def _resolved(obj: Any) -> Any:
    return obj.get_object() if obj is not None else None


def _metadata_title(reader: Any) -> str | None:
    """The title the document's metadata gives, if any."""
    metadata = reader.metadata
    return str(metadata.title) if metadata and metadata.title else None


def _page_lines(page: Any) -> list[_Line]:
    """A page's lines in the order it draws them: each of pypdf's text runs, placed where it
    starts (its text matrix times the page's), joined up to pypdf's line ends."""
    lines: list[_Line] = []
    parts: list[str] = []
    start: tuple[float, float, float] | None = None

    def finish() -> None:
        nonlocal start
        text = _clean("".join(parts))
        if text and start is not None:
            lines.append(_Line(text, *start))
        parts.clear()
        start = None

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        nonlocal start
        *_, c, d, e, f = _multiply(tm, cm)
        scaled = abs(size) * (math.hypot(c, d) or 1.0)
        for n, piece in enumerate(text.split("\n")):
            if n:
                finish()
            if not piece.strip():  # a line's end: it may come with the next line's place and size
                pass
            elif start is None:
                start = (e, f - n * 1.2 * scaled, scaled)
            elif scaled > start[2]:
                start = (start[0], start[1], scaled)
            parts.append(piece)

    page.extract_text(orientations=(0,), visitor_text=visit)
    finish()
    return lines


def _multiply(m: list[float], n: list[float]) -> tuple[float, ...]:
    """The product of two PDF matrices [a b c d e f]."""
    return (
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    )


def _clean(text: str) -> str:
    """Ligatures as their letters, invisible characters out (a soft hyphen ending the line
    made a hyphen), accents composed, white space folded."""
    text = re.sub("\u00ad\\s*$", "-", text)  # a soft hyphen ending a line: a word broken there
    text = _LIGATURES.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    return _SPACE.sub(" ", text).strip()


def _without_running_lines(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Pages without their running headers and footers (a line among the top or bottom few
    of at least half the pages, two at least, its digits aside) and page numbers."""
    edges = [_edges(page) for page in pages]
    counts = Counter(key for edge in edges for key in {_running_key(line) for line in edge})
    enough = max(2, math.ceil(len(pages) / 2))
    return [
        [
            line
            for line in page
            if not (
                line in edge
                and (counts[_running_key(line)] >= enough or _PAGE_NUMBER.fullmatch(line.text))
            )
        ]
        for page, edge in zip(pages, edges, strict=True)
    ]


def _edges(page: list[_Line]) -> list[_Line]:
    """The top and bottom lines of a page."""
    by_height = sorted(page, key=lambda line: -line.y)
    return by_height[:_EDGE_LINES] + by_height[-_EDGE_LINES:]


def _running_key(line: _Line) -> tuple[str, int]:
    """A line as it runs from page to page: its words and size (a page's title, in large type,
    is not the running header that repeats it in small), whatever its numbers."""
    return re.sub(r"\d+", "#", line.text.casefold()), round(line.size)


def _paragraphs(pages: list[list[_Line]]) -> list[str]:
    """The pages' lines made paragraphs again (see `_Layout.starts_paragraph`)."""
    layout = _Layout.of(pages)
    words = _words(line.text for page in pages for line in page)
    paragraphs: list[list[_Line]] = []
    for page in pages:
        for n, line in enumerate(page):
            if not paragraphs or layout.starts_paragraph(
                paragraphs[-1][-1], line, paragraphs[-1][0], n == 0, page
            ):
                paragraphs.append([line])
            else:
                paragraphs[-1].append(line)
    return [_joined([line.text for line in paragraph], words) for paragraph in paragraphs]


def _joined(lines: list[str], words: tuple[set[str], set[str]]) -> str:
    """A paragraph's lines as one text (see `_join`), built once from its parts: each join
    looks at the last word so far, never at the whole paragraph again, and at no more than
    the start and end of a long word (see `_ends`)."""
    parts = [lines[0]]
    last = _ends(_last_word(lines[0]))
    for line in lines[1:]:
        glue = _join(last, line, words)
        if glue == "-":  # a hyphen dropped
            parts[-1] = parts[-1][:-1]
            last = last[:-1]
        parts.append(f" {line}" if glue == " " else line)
        last = _ends(_last_word(line) if glue == " " or " " in line else last + line)
    return "".join(parts)


def _last_word(text: str) -> str:
    return text.rsplit(" ", 1)[-1]


_ENDS = 100
"""How much of a long word's start and end `_join` looks at."""


def _ends(word: str) -> str:
    """A word's first and last `_ENDS` characters, its middle left out when it is longer: a
    link's start tells it is one and its end where it breaks, a broken word's end is the
    word (a word of more letters than this is in no compound written elsewhere). A word
    run over many lines is looked at again on each: all of it each time, a word of a
    million letters took minutes."""
    return word if len(word) <= 2 * _ENDS else word[:_ENDS] + word[-_ENDS:]


@dataclass(frozen=True)
class _Layout:
    """What a document's lines usually are: their spacing for each type size, the size of its
    body text and the length of a full line of it."""

    spacing: dict[int, float]
    body: int
    full: float

    @classmethod
    def of(cls, pages: list[list[_Line]]) -> _Layout:
        gaps: dict[int, list[float]] = {}
        for page in pages:
            for above, below in itertools.pairwise(page):
                gap = above.y - below.y
                if _same_size(above, below) and 0 < gap < 3 * below.size:
                    gaps.setdefault(round(below.size), []).append(gap)
        sizes = Counter(round(line.size) for page in pages for line in page)
        body = sizes.most_common(1)[0][0] if sizes else 0
        lengths = sorted(
            len(line.text) for page in pages for line in page if round(line.size) == body
        )
        full = lengths[int(0.8 * (len(lengths) - 1))] if lengths else 0
        # The lower quartile: lines within a paragraph, not the gaps between paragraphs.
        spacing = {size: sorted(found)[len(found) // 4] for size, found in gaps.items()}
        return cls(spacing, body, full)

    def starts_paragraph(
        self, previous: _Line, line: _Line, first: _Line, new_page: bool, page: list[_Line]
    ) -> bool:
        """Whether `line` starts a paragraph after `previous` (`first` being the first line of
        the paragraph `previous` is in)."""
        if not _same_size(previous, line):
            return True
        spacing = self.spacing.get(round(line.size), 1.2 * line.size)
        gap = not new_page and previous.y - line.y > 1.3 * spacing
        if round(line.size) != self.body:  # a heading's lines, maybe centred: only a gap tells
            return gap or new_page or line.y > previous.y
        # A short line ends its paragraph, unless it breaks a sentence that goes on below.
        short = len(previous.text) < 0.7 * self.full
        if short and (previous.text.endswith(_CLOSING) or not line.text[:1].islower()):
            return True
        indent, margin = 0.5 * line.size, _margin(page, line)
        if new_page or line.y > previous.y:  # a new page or column: only its margin tells
            return line.x > margin + indent
        if gap or line.x > previous.x + indent:
            return True  # a blank gap, or an indented first line
        if previous is first:  # below an indented first line, the next one: not the margin
            return previous.x > margin + indent and line.x > previous.x - indent
        return line.x < previous.x - indent  # out of an indented block


def _same_size(a: _Line, b: _Line) -> bool:
    return abs(a.size - b.size) <= 0.15 * max(a.size, b.size)


def _margin(page: list[_Line], line: _Line) -> float:
    """Where the lines of `line`'s column start: the leftmost place, at most four type sizes
    left of it, where two lines of the page start (an indent is less, a column gutter more)."""
    starts = Counter(round(other.x) for other in page)
    near = [x for x, n in starts.items() if line.x - 4 * line.size <= x <= line.x and n > 1]
    return min(near, default=line.x)


def _words(texts: Any) -> tuple[set[str], set[str]]:
    """The words and the hyphenated compounds written within lines, lower-cased."""
    words: set[str] = set()
    compounds: set[str] = set()
    for text in texts:
        folded = text.casefold()
        words.update(_WORD.findall(folded))
        compounds.update(_COMPOUND.findall(folded))
    return words, compounds


def _join(last: str, line: str, words: tuple[set[str], set[str]]) -> str:
    """How a text whose last word is `last` goes on with its next line: " " (a space), ""
    (nothing between, after a word broken by a hyphen, a link broken mid-way or a closed
    dash) or "-" (the hyphen that ends `last` dropped).

    A hyphen at the line's end is dropped when the next line goes on in lower case
    ("impor-" "tant"), unless the document writes the pair hyphenated elsewhere and never as
    one word ("well-" "known"); before a capital or a digit it stays ("anti-" "American")."""
    if _LINK_PIECE.fullmatch(last) or (last.endswith(("\u2014", "\u2013")) and len(last) > 1):
        return ""
    broken = _BROKEN_WORD.search(last) if last.endswith("-") else None
    if not broken:
        return " "
    if not line[:1].islower():
        return ""
    head, tail = broken.group(1).casefold(), _WORD.match(line.casefold())
    rest = tail.group() if tail else ""
    known, compounds = words
    if f"{head}-{rest}" in compounds and f"{head}{rest}" not in known:
        return ""
    return "-"


def _titled(title: str | None, blocks: list[str]) -> list[str]:
    """The paragraphs, the title first: the one of the first three that the document's
    metadata names as its title (a kicker may come before it), else the first. A metadata
    title found nowhere in the text ("Document1", "Enscript Output") is not used."""
    for n, block in enumerate(blocks[:3] if title else []):
        if _same_title(title or "", block):
            return [block, *blocks[:n], *blocks[n + 1 :]]
    return blocks


def _same_title(title: str, block: str) -> bool:
    """Whether a paragraph is the document's title, maybe with a site's name after it
    ("Headline - The Times")."""
    a, b = _SPACE.sub(" ", title.casefold()).strip(), _SPACE.sub(" ", block.casefold())
    return a == b or (len(b) >= 10 and a.startswith(b))
