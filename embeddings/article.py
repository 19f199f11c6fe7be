"""Articles: the value object and the loaders for text, Markdown and JSON files."""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from embeddings.errors import ArticleError

BUNDLED_ARTICLE = "moscow-times-2022-02-01.txt"

UNTITLED = "Untitled article"
_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%Y-%m-%d")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_SPACE = re.compile(r"\s+")
_BLANK_LINE = re.compile(r"\n\s*\n")
_HEADING = re.compile(r"#{1,6}\s")
_CLOSING = (".", "!", "?", '"', "'", "\u201d", "\u2019", ")", "]", ":", ";", "\u2026")
_WEB_LINK = re.compile(r"https?://[^\s/?#]+\S*", re.IGNORECASE)
_URL_LABEL = re.compile(r"^(original url|source|url)\s*:\s*(\S.*)?$", re.IGNORECASE)
_UNICODE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Article:
    """A titled article split into paragraphs that can be quoted verbatim."""

    title: str
    paragraphs: tuple[str, ...]
    url: str | None = None
    published: date | None = None

    @property
    def content_hash(self) -> str:
        """A hash of everything that is embedded: changes whenever a quote would."""
        payload = json.dumps([self.title, list(self.paragraphs)], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class _JsonArticle(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str
    url: str | None = None
    published: date | None = None
    paragraphs: list[str]

    @field_validator("url")
    @classmethod
    def _web_link(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        link = web_link(value)
        if link is None:
            raise ValueError("must be an http:// or https:// link")
        return link

    @field_validator("paragraphs")
    @classmethod
    def _not_empty(cls, value: list[str]) -> list[str]:
        if not any(p.strip() for p in value):
            raise ValueError("needs at least one non-empty paragraph")
        return value


def bundled_article_path() -> Path:
    """The path of the article shipped with the package."""
    return Path(str(resources.files("embeddings") / "data" / BUNDLED_ARTICLE))


def load_article(path: str | Path) -> Article:
    """Load an article from a `.json`, `.html`, Markdown (`.md`) or plain-text file.

    Raises `ArticleError` naming the file when it is missing, unreadable or malformed.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ArticleError(f"{path}: no such article file") from None
    except IsADirectoryError:
        raise ArticleError(f"{path}: is a directory, not an article file") from None
    except OSError as exc:
        raise ArticleError(f"{path}: cannot read article ({exc.strerror})") from None
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):  # a page declares its own encoding, which trafilatura reads
        from embeddings.html import parse_html_article

        return parse_html_article(raw, source=str(path))
    text = _decode_text(raw, source=str(path))
    if suffix == ".json":
        return parse_json_article(text, source=str(path))
    if suffix in (".md", ".markdown"):
        from embeddings.markdown import markdown_to_text

        return parse_text_article(markdown_to_text(text), source=str(path), join=False)
    return parse_text_article(text, source=str(path))


def _decode_text(raw: bytes, source: str = "<text>") -> str:
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


def parse_json_article(text: str, source: str = "<json>") -> Article:
    """Parse the JSON article format; each paragraph string is kept as given."""
    try:
        data = _JsonArticle.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "document"
        raise ArticleError(f"{source}: invalid JSON article ({where}: {first['msg']})") from None
    paragraphs = tuple(p for p in data.paragraphs if p.strip())
    title = data.title.strip() or UNTITLED
    return Article(title=title, paragraphs=paragraphs, url=data.url, published=data.published)


def parse_text_article(text: str, source: str = "<text>", join: bool = True) -> Article:
    """Parse a plain-text article (or Markdown already turned into one).

    Blocks are separated by blank lines, or are lines (see `_blocks`). The first
    block (or a `# ` heading) is the title; a date block right after it is the
    publication date; a photo caption before the body, later Markdown headings,
    "Related article:" lines and inline HTML tags are dropped; an "Original url:"
    label gives the source link; unless `join` is false, a paragraph broken
    mid-sentence is joined again.
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
    return Article(title=title, paragraphs=tuple(body), url=url, published=published)


def join_broken(paragraphs: list[str]) -> list[str]:
    """Join each paragraph that continues a sentence the one before it left unfinished."""
    joined: list[str] = []
    for paragraph in paragraphs:
        if joined and _is_broken(joined[-1], paragraph):
            joined[-1] = f"{joined[-1]} {paragraph}"
        else:
            joined.append(paragraph)
    return joined


def is_link_line(block: str) -> bool:
    """A "Related article: …" line or a source link's label ("Original url: …"): not body
    text. A label followed by words that are no link ("Source: Reuters") is."""
    related = block.lower().startswith("related article:")
    return related or announces_url(block) or labelled_link(block) is not None


def announces_url(block: str) -> bool:
    """A source link's label whose link is the next block ("Original url:")."""
    label = _URL_LABEL.match(block)
    return bool(label and not label.group(2))


def labelled_link(block: str) -> str | None:
    """The link of a source label that has it on the same line ("Source: https://…")."""
    label = _URL_LABEL.match(block)
    return web_link(label.group(2)) if label and label.group(2) else None


def web_link(text: str) -> str | None:
    """`text` as an absolute http(s) link, with line-wrapping spaces taken out; None if it
    is not one."""
    link = "".join(text.split())
    return link if _WEB_LINK.fullmatch(link) else None


def article_to_json(article: Article) -> str:
    """The JSON article format (what `parse_json_article` reads)."""
    return json.dumps(
        {
            "title": article.title,
            "url": article.url,
            "published": article.published.isoformat() if article.published else None,
            "paragraphs": list(article.paragraphs),
        },
        ensure_ascii=False,
    )


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
