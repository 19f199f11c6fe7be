"""The lexical side: which words count, and BM25 with weighted extra tokens."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings.lexical import Bm25, content_words, names, tokenize, word_pairs


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
        ("What did Mr. Price tell Dr Smith?", ["price", "tell", "smith"]),
    ],
)
def test_content_words_keep_acronyms_and_drop_function_words(text: str, words: list[str]) -> None:
    assert content_words(text) == words


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("What did Ned Price tell Lavrov?", ["ned", "price", "lavrov"]),
        ("Lavrov said what?", []),  # a sentence's first word may be capitalised anyway
        ("I read it. Where is Paris? Please say.", ["paris"]),
        ("Did the U.S. and NATO reply to The Times?", ["us", "nato", "times"]),
        ("What did Mr. Price tell Dr. Smith?", ["price", "smith"]),  # a title is no sentence end
        ("what did biden say", []),
        ("WHAT DID BIDEN SAY", []),
    ],
)
def test_names_are_capitalised_content_words_not_opening_a_sentence(
    text: str, found: list[str]
) -> None:
    assert names(text) == found


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


def test_word_pairs_join_each_token_to_the_next() -> None:
    assert word_pairs(["washington", "post", "sourc"]) == ["washington post", "post sourc"]
    assert word_pairs(["one"]) == []


def test_a_phrase_scores_higher_where_its_words_stand_together() -> None:
    bm25 = Bm25.build(
        [
            "The Washington Post reported it.",
            "Washington said so in a Facebook post.",
            "Nothing about either here.",
        ]
    )
    words = bm25.scores(["washington"]) + bm25.scores(["post"])
    together = bm25.scores(["washington", "post"])
    assert together[0] > together[1] > together[2] == 0
    bonus = together - words
    assert bonus[0] > 0 and bonus[1] == bonus[2] == 0


def test_saved_pairs_score_the_same_after_loading(tmp_path: Path) -> None:
    texts = ["foreign minister met", "the foreign ministry denied", "ministers abroad"]
    built = Bm25.build(texts)
    built.save(str(tmp_path / "bm25"))
    loaded = Bm25.load(str(tmp_path / "bm25"), len(texts))
    query = tokenize("Who is the foreign minister?")
    np.testing.assert_allclose(loaded.scores(query), built.scores(query), rtol=1e-6)
    assert loaded.scores(query)[0] > loaded.scores(query)[1]
