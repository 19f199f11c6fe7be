"""Follow-up questions: telling one that needs the question before it, and what it is
asked with.

"Who was their source?" after "What did The Washington Post report?" is asked as
"What did The Washington Post report? Who was their source?": the earlier question's
names and subject then rank the paragraphs, and the answer still quotes them verbatim.
A question that stands on its own is asked as it is, whatever came before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from embeddings.answer import Answer
from embeddings.article import Article
from embeddings.language.detect import UNDETERMINED, question_language
from embeddings.language.references import ENDINGS, openings, possessives, pronouns
from embeddings.lexical import content_words, names
from embeddings.question import MAX_QUESTION_CHARS

KEPT_QUESTIONS = 2
"""Questions a context holds: the last one, and the one it followed if it was a
follow-up itself ("Who is Ned Price?", "What did he say?", "And when?")."""

_WORD = re.compile(r"\w+")
_TRAILING = " ?\uff1f!\uff01\u3002.\u2026"  # ? and ! as Chinese writes them, too


@dataclass(frozen=True)
class Context:
    """What a conversation carries to its next question: the last questions asked
    (oldest first), and the article the last answer quoted first (its content hash and
    language: a context keeps no article alive)."""

    questions: tuple[str, ...]
    article: str | None = None
    article_language: str = "en"

    @classmethod
    def of(cls, questions: tuple[str, ...], article: Article | None) -> Context:
        """A context of `questions` whose last answer quoted `article` first."""
        if article is None:
            return cls(questions)
        return cls(questions, article.content_hash, article.language)

    @property
    def text(self) -> str:
        return " ".join(self.questions)

    @property
    def language(self) -> str:
        """The language the conversation is held in, as far as it can be told."""
        asked = question_language(self.text)
        return asked if asked != UNDETERMINED else self.article_language


def following(question: str, answer: Answer, before: Context | None = None) -> Context:
    """The context a conversation carries once `question` got `answer` (`before`: what
    it carried to `question`)."""
    follows = before is not None and needs_context(question, before)
    kept = (*before.questions, question) if follows and before else (question,)
    kept = kept[-KEPT_QUESTIONS:]
    if answer.answered and answer.passages:
        return Context.of(kept, answer.articles[0])
    if follows and before is not None:  # declined: the conversation stays where it was
        return replace(before, questions=kept)
    return Context(kept)


def needs_context(question: str, context: Context | None = None) -> bool:
    """Whether a question needs the one before it: it opens as a continuation ("And …?",
    "What about …?"), it asks with no word of its own ("Why?"), or it refers to someone
    with a pronoun ("their", "he") and names nobody itself."""
    language = question_language(question)
    if language == UNDETERMINED:
        language = context.language if context is not None else "en"
    lowered = question.lower().strip()
    if language in ENDINGS and lowered.rstrip(_TRAILING).endswith(ENDINGS[language]):
        return True
    spaced = language != "zh"
    start = " ".join(_WORD.findall(lowered)) + " " if spaced else lowered
    if any(start.startswith(o + " " if spaced else o) for o in openings(language)):
        return True
    if not content_words(question, language):
        return True
    return _refers(question, lowered, language) and not names(question, language)


def _refers(question: str, lowered: str, language: str) -> bool:
    """Whether a question uses a pronoun, or a possessive with no word of its own before
    it ("Who was *their* source?", not "Where did the embassy post *its* statement?")."""
    if language == "zh":
        return any(c in pronouns(language) for c in lowered)
    words = _WORD.findall(lowered)
    if any(w in pronouns(language) for w in words):
        return True
    owners = possessives(language)
    return any(
        w in owners and not content_words(" ".join(words[:i]), language)
        for i, w in enumerate(words)
    )


def in_context(question: str, context: Context | None) -> str:
    """The text a cleaned question is ranked by: the question after the context's
    questions when it needs them, else the question alone."""
    if context is None or not needs_context(question, context):
        return question
    room = MAX_QUESTION_CHARS - len(question) - 1
    before = context.text[-room:] if room > 0 else ""
    if len(before) < len(context.text):
        before = before.split(" ", 1)[-1]  # no word cut in two
    return f"{before} {question}".strip()
