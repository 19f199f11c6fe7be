"""Source-link lines in article text: "Original url: …", "Source: https://…", "Related article:"."""

from __future__ import annotations

import re

_WEB_LINK = re.compile(r"https?://[^\s/?#]+\S*", re.IGNORECASE)
_URL_LABEL = re.compile(r"^(original url|source|url)\s*:\s*(\S.*)?$", re.IGNORECASE)


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


def is_url(spec: str) -> bool:
    """Whether an article setting names a web address rather than a file."""
    return spec.lower().startswith(("http://", "https://"))
