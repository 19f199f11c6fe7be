"""Plain-text articles: blocks separated by blank lines, or one paragraph a line.

The first block (or a `# ` heading) is the title; a date right after it is the
publication date; a photo caption before the body, later Markdown headings,
"Related article:" lines and inline HTML tags are dropped; an "Original url:" label
gives the source link; a paragraph broken mid-sentence is joined again.
"""

from __future__ import annotations

import codecs
import re
from datetime import date, datetime

from embeddings.article import UNTITLED, Article
from embeddings.errors import ArticleError
from embeddings.language import UNDETERMINED
from embeddings.sources.links import announces_url, is_link_line, labelled_link, web_link

_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%Y-%m-%d")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_SPACE = re.compile(r"\s+")
_BLANK_LINE = re.compile(r"\n\s*\n")
_HEADING = re.compile(r"#{1,6}\s")
_CLOSING = (".", "!", "?", '"', "'", "\u201d", "\u2019", ")", "]", ":", ";", "\u2026")
_UNICODE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(raw: bytes, source: str = "<text>") -> str:
    """Text from UTF-8 bytes, or from UTF-16 or UTF-32 ones that start with their byte
    order mark (as Windows editors save "Unicode" text).

    Other encodings are refused rather than guessed: a wrong guess would change the
    characters quoted.
    """
    encoding = next((name for bom, name in _UNICODE_BOMS if raw.startswith(bom)), None)
    try:
        return raw.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError:
        if encoding:  # its byte order mark says UTF-16 or UTF-32, but the rest is not
            raise ArticleError(f"{source}: damaged {encoding.upper()} text") from None
        raise ArticleError(f"{source}: not UTF-8 text (save it as UTF-8)") from None


def parse_text_article(text: str, source: str = "<text>", join: bool = True) -> Article:
    """Parse a plain-text article (or Markdown already turned into one).

    Blocks are separated by blank lines, or are lines (see `_blocks`). Unless `join` is
    false, a paragraph broken mid-sentence is joined again.
    """
    blocks = [b for b in map(_clean, _blocks(text)) if b]
    if not blocks:
        raise ArticleError(f"{source}: the article is empty")
    title = blocks.pop(0).lstrip("#").strip() or UNTITLED
    published = _parse_date(blocks[0]) if blocks else None
    if published is not None:
        blocks.pop(0)
    if blocks and _is_caption(blocks[0]):
        blocks.pop(0)

    url: str | None = None
    body: list[str] = []
    expect_url = False
    for block in blocks:
        link = labelled_link(block) or (web_link(block) if expect_url else None)
        expect_url = announces_url(block)
        if link:
            url = link
        elif not (is_link_line(block) or _HEADING.match(block)):
            body.append(block)
    if join:
        body = join_broken(body)
    if not body:
        raise ArticleError(f"{source}: the article has no body paragraphs")
    return Article(
        title=title, paragraphs=tuple(body), url=url, published=published, language=UNDETERMINED
    )


def join_broken(paragraphs: list[str]) -> list[str]:
    """Join each paragraph that continues a sentence the one before it left unfinished."""
    joined: list[str] = []
    for paragraph in paragraphs:
        if joined and _is_broken(joined[-1], paragraph):
            joined[-1] = f"{joined[-1]} {paragraph}"
        else:
            joined.append(paragraph)
    return joined


def _blocks(text: str) -> list[str]:
    """The text's blocks: split at blank lines or, in a text without any blank line, at
    every line. A title block whose last line is a date is split there; a block of whole
    sentences is one paragraph per line, unless the text is hard-wrapped (some block
    breaks a line mid-sentence), where a line may end with a sentence by chance."""
    text = text.replace("\r\n", "\n").strip()
    blocks = _BLANK_LINE.split(text)
    if len(blocks) == 1:
        return text.split("\n")
    head, *body = blocks
    *title, last = head.split("\n")
    if title and _parse_date(_clean(last)):
        blocks = [" ".join(title), last, *body]
    if not all(map(_whole_lines, blocks)):
        return blocks
    return [line for block in blocks for line in block.split("\n")]


def _whole_lines(block: str) -> bool:
    """Whether every line of a block but the last ends a sentence (or is a heading)."""
    lines = block.split("\n")[:-1]
    return all(line.rstrip().endswith(_CLOSING) or _HEADING.match(line) for line in lines)


def _clean(block: str) -> str:
    """Reduce inline HTML to its words and fold white space."""
    return _SPACE.sub(" ", _TAG.sub("", block)).strip()


def _parse_date(block: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(block, fmt).date()
        except ValueError:
            continue
    return None


def _is_caption(block: str) -> bool:
    """A photo caption ends with a parenthesised credit rather than a full stop."""
    return block.endswith(")") and "(" in block and not block.rstrip(")").endswith(_CLOSING)


def _is_broken(previous: str, block: str) -> bool:
    """True when `block` continues a sentence that `previous` left unfinished."""
    return not previous.endswith(_CLOSING) and block[:1].islower()
