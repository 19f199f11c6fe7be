"""Paragraphs whose speaker is a pronoun take the name from the paragraph before."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.article import Article
from embeddings.index import build_index, first_sentence_ids, split_sentences
from embeddings.subjects import carried_subjects
from tests.fakes import FakeEmbedder


def test_the_bundled_embassy_quote_is_about_the_embassy(article: Article) -> None:
    spans = split_sentences(article)
    firsts = [article.paragraphs[p][s:e] for p, s, e in spans[first_sentence_ids(spans, 11)]]
    subjects = carried_subjects(firsts)
    assert subjects[9] == "Russia's Embassy in Washington"
    assert [s for i, s in enumerate(subjects) if i != 9] == [""] * 10


@pytest.mark.parametrize(
    ("previous", "paragraph", "subject"),
    [
        ("Acme Corp. reported losses.", '"We will recover," it said.', "Acme Corp."),
        ("Meanwhile, Jane Doe resigned.", "She gave no reason.", "Jane Doe"),
        ("Mr. Smith spoke.", "“Never again,” he added on Monday.", "Mr. Smith"),
        ("Acme Corp. reported losses.", "Analysts said it was expected.", ""),
        ("Acme Corp. reported losses.", "Later, Jones said he was surprised.", ""),
        ("Acme Corp. reported losses.", "It is clear that costs rose.", ""),
        ("it rained all day.", "He said so.", ""),
    ],
)
def test_a_pronoun_speaker_takes_the_previous_paragraphs_first_name(
    previous: str, paragraph: str, subject: str
) -> None:
    assert carried_subjects([previous, paragraph]) == ["", subject]


def test_the_first_paragraph_has_nothing_to_refer_to() -> None:
    assert carried_subjects(["He said it would rain."]) == [""]
    assert carried_subjects([]) == []


def test_the_name_is_embedded_and_indexed_with_the_paragraph_but_not_quoted(
    article: Article,
) -> None:
    embedder = FakeEmbedder()
    index = build_index(article, embedder)
    paragraph = article.paragraphs[9]
    named = f"Russia's Embassy in Washington: {paragraph}"
    np.testing.assert_allclose(
        index.paragraph_vectors[9], embedder.encode_queries([named])[0], rtol=1e-6
    )
    first = int(index.sentence_starts[9])
    assert index.sentence_text(first) in paragraph
    assert not np.allclose(index.paragraph_vectors[9], embedder.encode_queries([paragraph])[0])
    assert "mbassy" not in paragraph
    assert index.paragraph_bm25.scores(["embassi"])[9] > 0
    assert index.sentence_bm25.scores(["embassi"])[first] > 0
