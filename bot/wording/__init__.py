"""What the bot says in its own words, on Discord and in the terminal alike, in the user's
language: declines, tentative answers, example questions, help, command descriptions; and
telling a greeting from a question. Quotes from an article never pass through here.

One catalog a language (`en.py`, `ru.py`, …); a language without one gets English.
"""

from __future__ import annotations

import re

from bot.wording import de, en, es, fr, pt, ru, zh
from bot.wording.catalog import Catalog
from embeddings.article import Article
from embeddings.subjects import first_name

__all__ = [
    "ABOUT",
    "CATALOGS",
    "ENGLISH",
    "LANGUAGES",
    "NOT_FOUND",
    "REPHRASE",
    "TENTATIVE",
    "Catalog",
    "catalog",
    "example_question",
    "is_greeting",
    "language_of",
]

ENGLISH = en.CATALOG
CATALOGS: dict[str, Catalog] = {
    c.language: c
    for c in (en.CATALOG, ru.CATALOG, de.CATALOG, es.CATALOG, fr.CATALOG, pt.CATALOG, zh.CATALOG)
}
LANGUAGES = tuple(CATALOGS)
"""The languages the bot speaks: en, ru, de, es, fr, pt, zh."""

NOT_FOUND = ENGLISH.not_found
REPHRASE = ENGLISH.rephrase
TENTATIVE = ENGLISH.tentative
ABOUT = ENGLISH.about


def language_of(locale: object) -> str:
    """The language of a Discord locale or language tag ("ru", "es-419", "pt-BR", "zh-TW",
    `discord.Locale.german`, "pt_BR"), if the bot speaks it, else "en". Chinese is always
    the simplified catalog."""
    primary = str(locale or "").strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in CATALOGS else "en"


def catalog(locale: object = None) -> Catalog:
    """The bot's words for a Discord locale or language tag (see `language_of`); English
    for None or a language it does not speak."""
    return CATALOGS[language_of(locale)]


def _greeting_pattern() -> re.Pattern[str]:
    words = sorted({w for c in CATALOGS.values() for w in c.greetings}, key=len, reverse=True)
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(rf"\W*(?:(?:{alternatives})\b\W*)*", re.IGNORECASE)


_GREETING = _greeting_pattern()


def is_greeting(text: str) -> bool:
    """Whether a message only greets the bot or asks for help ("hi", "Hello!", "help?",
    "Привет", "hola"), in any language the bot speaks."""
    return _GREETING.fullmatch(text) is not None


def example_question(article: Article | None, words: Catalog = ENGLISH) -> str:
    """A question to show as an example: about the first name in the article's opening
    paragraph ("What does the article say about Russia?"), else about the article. The
    name is the article's own, untranslated."""
    name = first_name(article.paragraphs[0]) if article and article.paragraphs else ""
    return words.example_named.format(name=name) if name else words.example_general
