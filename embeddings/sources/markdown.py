"""Markdown articles, read as plain text: what a reader sees, not the markup.

Emphasis, links, struck-through and inline code are reduced to their words; images,
code blocks, tables and raw HTML blocks are not prose and are dropped; each paragraph,
list item and quoted paragraph becomes a block. A paragraph broken mid-sentence is
joined to the one before it, but a list item never is: items are often fragments, nor
is a source link or "Related article:" line, nor the link after a bare label. A
front matter's `title` and `date` (a `---` block at the very top, as blog engines write
it) become the title and the date. The result is in the plain-text article format, so
the same rules then apply (see `text.parse_text_article`), joining aside.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token

from embeddings.sources.links import announces_url, is_link_line
from embeddings.sources.text import join_broken

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_FIELD = re.compile(r"^(title|date)[ \t]*:[ \t]*(.*?)[ \t]*$", re.MULTILINE | re.IGNORECASE)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Tables and strikethrough are enabled so that tables are known (and left out) and
# "~~words~~" reads as words.
_parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def markdown_to_text(text: str) -> str:
    """The plain-text article format of a Markdown document."""
    text = text.replace("\r\n", "\n")
    blocks: list[str] = []
    fields: dict[str, str] = {}
    front = _FRONT_MATTER.match(text)
    if front:
        fields = {k.lower(): v.strip("\"'") for k, v in _FIELD.findall(front.group(1))}
        if fields.get("title"):
            blocks.append(f"# {fields['title']}")
        text = text[front.end() :]
    for prose, run in itertools.groupby(
        _links_apart(_blocks(_parser.parse(text))), key=lambda b: b[0]
    ):
        words = [block for _, block in run]
        blocks.extend(join_broken(words) if prose else words)
    date = _ISO_DATE.match(fields.get("date", ""))
    if date:
        blocks.insert(1, date.group())  # right after the title, where a date is read
    return "\n\n".join(blocks)


def _blocks(tokens: list[Token]) -> Iterator[tuple[bool, str]]:
    """Each heading ("# " and its words), paragraph and list item, with whether it is a
    paragraph outside any list (prose, which may continue the paragraph before)."""
    items = 0  # how many list items the current token is in
    for opening, token in itertools.pairwise(tokens):
        items += {"list_item_open": 1, "list_item_close": -1}.get(opening.type, 0)
        words = _words(token.children or []) if token.type == "inline" else ""
        if words and opening.type == "heading_open":  # the first one is the title
            yield False, f"# {words}"
        elif words and opening.type == "paragraph_open":  # not a table cell
            yield items == 0, words


def _links_apart(blocks: Iterator[tuple[bool, str]]) -> Iterator[tuple[bool, str]]:
    """`blocks` with link lines, and a link after its label, marked as not prose: they are
    never joined to the text around them."""
    after_label = False
    for prose, block in blocks:
        yield prose and not (after_label or is_link_line(block)), block
        after_label = announces_url(block)


def _words(children: list[Token]) -> str:
    """An inline run's text: markup, images and inline HTML tags left out (white space
    is folded later, with the plain-text rules)."""
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()
