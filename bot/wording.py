"""What the bot says in its own words, on Discord and in the terminal alike: declines,
tentative answers, example questions, and telling a greeting from a question."""

from __future__ import annotations

import re

from embeddings.article import Article
from embeddings.subjects import first_name

NOT_FOUND = "I couldn't find that in the article."
REPHRASE = "Try rephrasing your question, or ask about something the article covers."
TENTATIVE = "The article may not answer this. The closest passage:"
ABOUT = "The article, from its opening paragraph:"

_GREETING = re.compile(r"\W*(?:(?:hi|hello|hey|help|there|me|bot)\b\W*)*", re.IGNORECASE)


def is_greeting(text: str) -> bool:
    """Whether a message only greets the bot or asks for help ("hi", "Hello!", "help?")."""
    return _GREETING.fullmatch(text) is not None


def example_question(article: Article | None) -> str:
    """A question to show as an example: about the first name in the article's opening
    paragraph ("What does the article say about Russia?"), else about the article."""
    name = first_name(article.paragraphs[0]) if article and article.paragraphs else ""
    return f"What does the article say about {name}?" if name else "What is the article about?"
