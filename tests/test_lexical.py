"""The lexical side: which words count, and BM25 with weighted extra tokens."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.lexical import Bm25, content_words, tokenize


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("The U.S. told us", ["us", "told"]),
        ("US officials met", ["us", "officials", "met"]),
        ("a U.S.-led alliance", ["us", "led", "alliance"]),
        ("Is the WHO involved?", ["who", "involved"]),
        ("WHO IS PUTIN", ["putin"]),
        ("Russia's answer", ["russia", "answer"]),
        ("What did they say?", ["say"]),
    ],
)
def test_content_words_keep_acronyms_and_drop_function_words(text: str, words: list[str]) -> None:
    assert content_words(text) == words


def test_tokens_are_stems_of_the_content_words() -> None:
    assert tokenize("Responding to the U.S. responses") == ["respond", "us", "respons"]


def test_extra_tokens_add_their_weighted_scores() -> None:
    bm25 = Bm25.build(["cats purr softly", "dogs bark loudly", "cats and dogs play"])
    base = bm25.scores(["cat"])
    expanded = bm25.scores(["cat"], {"dog": 0.5, "unknownword": 1.0})
    np.testing.assert_allclose(expanded, base + 0.5 * bm25.scores(["dog"]), rtol=1e-6)
    assert bm25.contains("dog") and not bm25.contains("unknownword")


def test_coverage_is_the_share_of_tokens_the_texts_contain() -> None:
    bm25 = Bm25.build(["cats purr", "dogs bark"])
    assert bm25.coverage(["cat", "dog", "fish", "bird"]) == 0.5
    assert bm25.coverage([]) == 0.0
