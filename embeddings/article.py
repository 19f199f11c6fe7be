"""The article: a titled list of paragraphs that can be quoted verbatim."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from functools import cached_property

UNTITLED = "Untitled article"


@dataclass(frozen=True)
class Article:
    """A titled article split into paragraphs that can be quoted verbatim."""

    title: str
    paragraphs: tuple[str, ...]
    url: str | None = None
    published: date | None = None

    @cached_property
    def content_hash(self) -> str:
        """A hash of everything that is embedded: changes whenever a quote would."""
        payload = json.dumps([self.title, list(self.paragraphs)], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()
