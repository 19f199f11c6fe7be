"""Who a paragraph is about when it only says "it said" or "he added".

News paragraphs often quote someone and name the speaker only with a pronoun,
the name being in the paragraph before ("Russia's Embassy in Washington issued
… / '…,' it said in a Facebook post"). Such a paragraph is embedded and indexed
with that name in front of it, so a question naming the speaker can find it. The
quoted text itself is never changed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from embeddings.lexical import STOP_WORDS

_SPEECH = (
    "said|says|added|adds|told|tells|wrote|writes|warned|stated|noted|argued|claimed|"
    "explained|posted|tweeted|replied|insisted|continued|announced|declared|asked"
)
_PRONOUN_SPEAKER = re.compile(
    rf"^\W*(?:he|she|they)\b|\b(?:it|he|she|they)\]?\s+(?:also\s+)?(?:{_SPEECH})\b", re.I
)
_APOSTROPHES = "'\u2019"
_POSSESSIVE = re.compile(rf"[{_APOSTROPHES}]s$")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")
_NAME = re.compile(
    rf"[A-Z][\w{_APOSTROPHES}.-]*(?:\s+(?:of|the|in|for|de)?\s*[A-Z][\w{_APOSTROPHES}.-]*)*"
)
_NOT_NAMES = STOP_WORDS | {
    "after", "also", "before", "during", "early", "earlier", "however", "last", "later",
    "meanwhile", "next", "since", "still", "then", "while", "yet",
}  # fmt: skip


def carried_subjects(first_sentences: Sequence[str]) -> list[str]:
    """Given each paragraph's first sentence: the name each paragraph refers back to by
    pronoun, or ""."""
    return [
        first_name(first_sentences[i - 1]) if i > 0 and _speaker_is_a_pronoun(sentence) else ""
        for i, sentence in enumerate(first_sentences)
    ]


def _speaker_is_a_pronoun(sentence: str) -> bool:
    """A pronoun speaks, and no name outside quotations comes before it."""
    unquoted = _QUOTED.sub(" ", sentence)
    match = _PRONOUN_SPEAKER.search(unquoted)
    if match is None:
        return False
    return not first_name(unquoted[: match.start()])


def first_name(sentence: str) -> str:
    """The first name in a text ("Russia's Embassy in Washington"): its likely subject,
    or ""."""
    for match in _NAME.finditer(sentence):
        words = match.group().split()
        while words and _POSSESSIVE.sub("", words[0].lower()) in _NOT_NAMES:
            words.pop(0)
        if words:
            return " ".join(words)
    return ""
