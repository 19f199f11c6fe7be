"""What a catalog of the bot's own words holds: one value per language (see `en.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Catalog:
    """The bot's own sentences in one language. `{…}` marks what is filled in, and every
    language's sentence holds the same marks as the English one. Quotes from an article
    never pass through here: they stay in the article's language, verbatim."""

    language: str
    """The language code: en, ru, de, …"""

    not_found: str
    rephrase: str
    tentative: str
    about: str
    example_named: str
    """An example question about a name from the article: `{name}`."""
    example_general: str
    blank: str
    """The reply to a blank question: `{example}`."""
    cooldown: str
    """Asking too fast: `{seconds}`."""
    apology: str
    vote_noted: str
    """The private reply to a click on an answer's 👍 or 👎."""
    vote_unknown: str
    """The same, when the answer is not known (older than 30 days, or another server's)."""
    help: str
    """The `/help` text, in Discord markdown: `{name}` (the bot's) and `{example}`."""
    question_label: str
    """Before the question an answer repeats: "Q:"."""
    paragraph: str
    """A quoted passage's heading: `{number}`."""
    read_article: str
    """The link button's label."""
    paragraphs: str
    published: str
    published_on: str
    """An article's footer: `{date}`."""
    updated_on: str
    """Beside it, when the article's text changed at its source since it was added:
    `{date}`."""
    source: str
    articles_title: str
    """The card of a channel answering from several articles: `{count}`."""
    articles_more: str
    """After the first 20 of them: `{count}`."""
    usage: str
    """How to use the terminal prompt."""
    greetings: tuple[str, ...]
    """Words a message that only greets the bot or asks for help is made of."""
    descriptions: Mapping[str, str]
    """Slash command and option descriptions, keyed as Discord shows them: "/ask",
    "/ask question:", "/library add url:". The English ones are the commands' docstrings
    and `describe` texts; they are here so a test can tell when they change."""
