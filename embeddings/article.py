"""The article: a titled list of paragraphs that can be quoted verbatim, in a language."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from functools import cached_property

UNTITLED = "Untitled article"


@dataclass(frozen=True)
class Article:
    """A titled article split into paragraphs that can be quoted verbatim.

    `language` is the ISO 639-1 code of its text ("und" when it cannot be told), which the
    lexical side reads it in; `sources` detect it when they read an article. An article
    made in code is English unless it says otherwise.
    """

    title: str
    paragraphs: tuple[str, ...]
    url: str | None = None
    published: date | None = None
    language: str = "en"
    updated: date | None = None
    """When its text last changed at its source, after it was first read (a library
    article kept up to date); not in `content_hash`."""

    @cached_property
    def content_hash(self) -> str:
        """A hash of everything that is embedded: changes whenever a quote would. The
        language is not in it: it is read from the same text (the index cache's key adds
        it)."""
        payload = json.dumps([self.title, list(self.paragraphs)], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()
