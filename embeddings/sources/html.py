"""Articles from web pages: the body, title, date and canonical link, extracted by trafilatura.

trafilatura decides what the article is (and leaves out navigation, teasers, comments,
adverts and footers); this module turns what it keeps into paragraphs as a reader sees
them: each paragraph, heading, quotation paragraph and list item on its own, a line
break inside one starting a new one, invisible characters (soft hyphens, zero-width
spaces) left out and accents composed (NFC). Every paragraph is text of the page.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from datetime import date, datetime
from typing import Any

from embeddings.article import UNTITLED, Article
from embeddings.errors import ArticleError
from embeddings.language import UNDETERMINED
from embeddings.sources.text import join_broken

MIN_ARTICLE_CHARACTERS = 100
"""Less text than this is no article: a page of links, a login form, an error page."""

_BREAKS = frozenset({"p", "head", "quote", "list", "item", "table", "row", "cell", "code", "lb"})
"""Elements of trafilatura's tree that begin and end a paragraph of their own."""
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
_CREDIT = re.compile(r"[(\[][^()\[\]]{1,120}[)\]]")
"""A paragraph that is only a parenthesised note: a photo credit or caption
("(Credit: Clayton Aldern / Grist)")."""


def parse_html_article(
    html: str | bytes, url: str | None = None, source: str = "<html>"
) -> Article:
    """Extract an article from a page.

    Raises `ArticleError` when the page has no article text.
    """
    import trafilatura

    document: Any = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        date_extraction_params=_date_search(),
    )
    body = getattr(document, "body", None)
    if document is None or body is None:
        raise ArticleError(f"{source}: no article found on the page")
    title = _clean(document.title or "")
    blocks = [(prose, p) for prose, p in blocks_of(body) if not _CREDIT.fullmatch(p) and p != title]
    paragraphs: list[str] = []
    for prose, run in itertools.groupby(blocks, key=lambda block: block[0]):
        texts = [text for _, text in run]
        paragraphs += join_broken(texts) if prose else texts
    if sum(map(len, paragraphs)) < MIN_ARTICLE_CHARACTERS:
        raise ArticleError(f"{source}: no article found on the page")
    return Article(
        title=title or UNTITLED,
        paragraphs=tuple(paragraphs),
        url=document.url or url,
        published=_date(document.date),
        language=UNDETERMINED,
    )


def blocks_of(body: Any) -> list[tuple[bool, str]]:
    """The paragraphs of trafilatura's article tree, in order, each with whether it is
    prose: a paragraph of running text, which may continue a sentence the one before
    left unfinished (a heading, list item or line never does)."""
    blocks: list[tuple[bool, str]] = []
    pending: list[str] = []

    def close(tag: str) -> None:
        text = _clean("".join(pending))
        pending.clear()
        if text:
            blocks.append((tag == "p", text))

    def walk(element: Any) -> None:
        breaks = element.tag in _BREAKS
        if breaks:
            close("")  # text before it is a line of its own
        pending.append(element.text or "")
        for child in element:
            walk(child)
        if breaks:
            close(element.tag)
        pending.append(element.tail or "")

    walk(body)
    close("")
    return blocks


def _clean(text: str) -> str:
    """`text` as a reader sees it: invisible characters out, accents composed, white space
    folded."""
    return " ".join(unicodedata.normalize("NFC", _INVISIBLE.sub("", text)).split())


def _date_search() -> dict[str, Any]:
    """Look for the date the article was first published in the page's metadata,
    structured data or address; never guess it from the text, where a copyright year
    reads as "1 January"."""
    latest = datetime.now().astimezone().date().isoformat()
    return {"original_date": True, "extensive_search": False, "max_date": latest}


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
