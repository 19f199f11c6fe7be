"""How the lexical side reads a language: where words are, which to drop, how to stem.

Words are found by script, the same way in every language but English (which reads
them as it always has, `ENGLISH_WORD`): a word is a run of letters and digits (and the
combining marks of its letters), or a dotted acronym ("U.S."). A script written without
spaces (Chinese, Japanese, Thai, Lao, Khmer, Burmese) has no words to find: each run of
its characters becomes its overlapping character pairs ("北京大学": "北京", "京大",
"大学"), so a question's words match the text's wherever they are written the same,
whatever language the article was taken for. The language decides the rest: its
function words, its titles, its lower case and its stemmer (PyStemmer's Snowball
algorithms, where there is one; elsewhere words are kept whole).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import Stemmer

from embeddings.language.function_words import FUNCTION_WORDS, TITLES

STEMMERS = {
    "ar": "arabic", "bs": "serbian", "ca": "catalan", "cs": "czech", "da": "danish",
    "de": "german", "el": "greek", "en": "english", "eo": "esperanto", "es": "spanish",
    "et": "estonian", "eu": "basque", "fa": "persian", "fi": "finnish", "fr": "french",
    "ga": "irish", "hi": "hindi", "hr": "serbian", "hu": "hungarian", "hy": "armenian",
    "id": "indonesian", "it": "italian", "lt": "lithuanian", "nb": "norwegian",
    "ne": "nepali", "nl": "dutch", "nn": "norwegian", "no": "norwegian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "st": "sesotho",
    "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip
"""ISO 639-1 code -> PyStemmer algorithm (Serbian's also serves Croatian and Bosnian).
One the installed PyStemmer lacks leaves that language unstemmed."""

CAPITALISED_NOUNS = frozenset({"de", "lb"})
"""Languages that write every noun with a capital: there a capital tells no name."""

_SPACELESS = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3005\u3040-\u30ff\u31f0-\u31ff"  # the iteration mark, Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"  # Han
    "\uff66-\uff9f"  # half-width Katakana
)
"""Scripts written without spaces between words."""
_MARKS = "".join(
    chr(c) for c in range(0x300, 0x10000) if unicodedata.category(chr(c)).startswith("M")
)
"""Combining marks, which Python's `\\w` leaves out: a vowel sign of Devanagari ends no word."""
_LETTER = rf"[^\W{_SPACELESS}]"
WORD = re.compile(
    rf"(?:[^\W\d_{_SPACELESS}]\.){{2,}}"
    rf"|(?P<run>[{_SPACELESS}]+)"
    rf"|{_LETTER}(?:{_LETTER}|[{_MARKS}])*"
)
"""A dotted acronym such as "U.S." (read as one word, "us"), a run of a script written
without spaces (the group `run`), or a word."""
ENGLISH_WORD = re.compile(r"(?:[^\W\d_]\.){2,}|\w+")
"""English words as they were read before other languages were: an acronym or a run of
Python's `\\w`, a run of Chinese one word too. The English figures were measured so."""


def pairs_of(run: str) -> list[str]:
    """The overlapping character pairs of a run of a script written without spaces; a run
    of one character is itself."""
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


_TABLES = (WORD.pattern, ENGLISH_WORD.pattern, FUNCTION_WORDS, TITLES, STEMMERS)
DIGEST = hashlib.sha256(
    json.dumps([*_TABLES, sorted(CAPITALISED_NOUNS), unicodedata.unidata_version]).encode()
).hexdigest()[:16]
"""Changes with any pattern, list or stemmer choice here (part of the index cache key)."""


@dataclass(frozen=True)
class Analyzer:
    """What the lexical side knows of one language."""

    language: str
    words: re.Pattern[str]  # `WORD`, or `ENGLISH_WORD`
    function_words: frozenset[str]  # lower-cased, titles among them
    titles: frozenset[str]
    stemmer: str | None  # a PyStemmer algorithm; None keeps words whole
    names_by_capitals: bool  # whether a capital mid-sentence marks a name
    lower: Callable[[str], str]  # a word in lower case

    def stem(self, word: str) -> str:
        """The stem of a lower-cased word; the word itself without a stemmer, or where the
        stemmer leaves nothing (Greek's does of "όταν")."""
        if self.stemmer is None:
            return word
        return str(_stemmer(self.stemmer).stemWord(word)) or word


def _turkish_lower(word: str) -> str:
    """Lower case as Turkish and Azerbaijani write it: the dotless capital I is dotless."""
    return word.replace("I", "ı").replace("İ", "i").lower()  # noqa: RUF001


@cache
def analyzer(language: str) -> Analyzer:
    """The analyzer of an ISO 639-1 code; any other code (or "und") gets one that keeps
    every word whole."""
    titles = frozenset(TITLES.get(language, "").split())
    algorithm = STEMMERS.get(language)
    return Analyzer(
        language=language,
        words=ENGLISH_WORD if language == "en" else WORD,
        function_words=titles | frozenset(FUNCTION_WORDS.get(language, "").split()),
        titles=titles,
        stemmer=algorithm if algorithm in Stemmer.algorithms() else None,
        names_by_capitals=language not in CAPITALISED_NOUNS,
        lower=_turkish_lower if language in ("tr", "az") else str.lower,
    )


@cache
def _stemmer(algorithm: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(algorithm)
