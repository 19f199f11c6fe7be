"""Which language a text is written in: py3langid's guess from the text's opening."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

UNDETERMINED = "und"
"""The ISO 639 code of a language that cannot be told."""

SAMPLE = 5_000
"""Characters read from the start of a text: enough for a sure guess, and quick."""

MIN_LETTERS = 10
"""Fewer letters than this tell no language."""

MIN_CONFIDENCE = 0.3
"""A guess less probable than this is no answer: short texts are often mistaken."""

_VARIETIES = {
    "arz": "ar", "ary": "ar", "fuv": "ff", "gug": "gn",
    "sdh": "ku", "uzs": "uz", "wuu": "zh", "yue": "zh",
}  # fmt: skip
"""py3langid's varieties of a language with a two-letter code, under that code; its
other three-letter languages count as undetermined."""

_UNLIKELY = frozenset({"la"})
"""Languages nobody asks in, which short questions in others are mistaken for ("Qui est
Ned Price ?" reads as Latin)."""

_lock = threading.Lock()
_identifier: Any = None


QUESTION_CONFIDENCE = 0.5
"""How probable a question's language must be to count: at 0.5 none of 521 English test
questions was taken for another language (docs/experiments.md, "Questions in another
language")."""


@lru_cache(maxsize=4096)
def question_language(question: str) -> str:
    """The language of a question, or `UNDETERMINED` unless it is clear (see
    `QUESTION_CONFIDENCE`): a question is short, and mistaking its language costs more
    than not knowing it."""
    return detect_language(question, QUESTION_CONFIDENCE)


def detect_language(text: str, min_confidence: float = MIN_CONFIDENCE) -> str:
    """The ISO 639-1 code of the language `text` is written in, or `UNDETERMINED` for a
    text too short, of no letters, or of no clear language. Deterministic."""
    sample = text[:SAMPLE]
    if sum(_letter_weight(c) for c in sample) < MIN_LETTERS:
        return UNDETERMINED
    chances: dict[str, float] = {}
    for label, probability in _model().rank(sample):
        code = _VARIETIES.get(label, label)
        chances[code] = chances.get(code, 0.0) + probability
    best = max(chances, key=chances.__getitem__)
    if len(best) != 2 or best in _UNLIKELY or chances[best] < min_confidence:
        return UNDETERMINED
    return best


def _letter_weight(character: str) -> int:
    """What a character counts for toward `MIN_LETTERS`: a Chinese or Japanese character
    or a Korean syllable carries about a word, three letters; other letters one."""
    if not character.isalpha():
        return 0
    return 3 if character >= "\u2e80" else 1  # CJK radicals onwards: ideographs, kana, hangul


def _model() -> Any:
    """py3langid's identifier, loaded on first use (it takes a second and 60 MB)."""
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier
