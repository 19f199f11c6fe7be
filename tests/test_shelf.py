"""Large libraries: the shelf that shortlists articles, and answering through it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.library.answering import RANKED_WHOLE, Answerer, NotReady
from bot.library.scope import Scope
from embeddings import index_cache, scoring
from embeddings.article import Article
from embeddings.collection import Collection
from embeddings.index import build_index
from embeddings.index_cache import load_index, load_overview, load_shelf
from embeddings.packing import unit_scales
from embeddings.retriever import Retriever
from embeddings.shelf import Part, Shelf, stem_hashes
from tests.fakes import FakeEmbedder

SEALS = Article(
    "Seals return",
    (
        "Harbour seals have returned to the Thames in numbers not seen for decades.",
        "Volunteers counted 797 seals between Teddington and the estuary.",
    ),
)
BREAD = Article(
    "A bakery opens",
    (
        "A new bakery opened on the high street on Monday, selling sourdough bread.",
        "The baker said the ovens run from four in the morning.",
    ),
)
TOWNS = ["Alder", "Birch", "Cedar", "Dunmore", "Elmstead", "Fernley", "Glenrock", "Hollow"]
OTHERS = [
    Article(
        f"{town} council {n}",
        (
            f"The {town} council met on day {n} to discuss road repairs and parking fees.",
            f"Councillor {town} {n} said the budget for street lights would rise.",
        ),
    )
    for n in range(3)
    for town in TOWNS
]
LIBRARY = (*OTHERS[:11], SEALS, *OTHERS[11:], BREAD)
QUESTIONS = [
    "How many seals did volunteers count?",
    "When do the bakery ovens run?",
    "What did the Birch council discuss?",
    "Kangaroo football cup winners in Sydney?",
]


def test_the_shelf_puts_the_article_that_answers_first() -> None:
    embedder = FakeEmbedder()
    shelf = Shelf.of([build_index(a, embedder) for a in LIBRARY])
    for question, article in ((QUESTIONS[0], SEALS), (QUESTIONS[1], BREAD)):
        _, picked = shelf.shortlist(embedder, question, 3)
        assert LIBRARY[picked[0]] == article


def test_a_large_library_answers_as_ranking_every_article_would(tmp_path: Path) -> None:
    """The same passages, in the same order, as ranking every article in full; only the
    `SHORTLIST` most relevant articles are ranked, so a passage of a third stays out."""
    assert len(LIBRARY) > RANKED_WHOLE
    embedder = FakeEmbedder()
    default = Retriever(
        build_index(Article("Default", ("A default article.",)), embedder), embedder
    )
    answerer = Answerer(default, tmp_path)
    every = Collection([Retriever(build_index(a, embedder), embedder) for a in LIBRARY])
    scope = Scope(LIBRARY, tuple(range(len(LIBRARY))))
    for question in QUESTIONS:
        ours, full = answerer.answer(question, scope, 3), every.answer(question)
        assert ours.answered == full.answered
        ranked = [(p.article, p.paragraph) for p in ours.passages]
        assert ranked == [(p.article, p.paragraph) for p in full.passages][: len(ranked)]
        assert len(ranked) == len(full.passages) or len(set(ours.articles)) == scoring.SHORTLIST
    # Only shortlisted articles had their whole index loaded.
    assert len(answerer._retrievers) < len(LIBRARY)


def test_an_overview_is_the_index_vectors_and_stems(tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    built = load_overview(SEALS, embedder, tmp_path)  # no entry yet: the index is built
    index = load_index(SEALS, embedder, tmp_path).index
    read = load_overview(SEALS, embedder, tmp_path)
    assert embedder.document_calls == 1
    for part in (built, read):
        assert part.paragraphs.dtype == np.int8 and len(part.paragraphs) == len(SEALS.paragraphs)
        restored = part.paragraphs * unit_scales(part.paragraphs)[:, None]
        assert np.min(np.sum(restored * index.paragraph_vectors, axis=1)) > 0.999
        assert part.sentences.dtype == np.int8 and len(part.sentences) == len(index.sentence_spans)
        np.testing.assert_array_equal(part.stems, stem_hashes(index.vocabulary.words))


def test_a_library_shelf_is_kept_in_the_cache_and_rebuilt_when_unusable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    embedder = FakeEmbedder()
    built = load_shelf(LIBRARY, embedder, tmp_path)
    calls = embedder.document_calls
    read = load_shelf(LIBRARY, embedder, tmp_path)
    assert embedder.document_calls == calls  # nothing encoded, nothing rebuilt
    question = QUESTIONS[0]
    vector = embedder.encode_queries([question])[0]
    np.testing.assert_array_equal(built.promise(vector, question), read.promise(vector, question))
    assert load_shelf(LIBRARY[:-1], embedder, tmp_path).size == len(LIBRARY) - 1  # its own
    for entry in (tmp_path / "shelves").iterdir():
        if (entry / "tokens.npy").exists():
            (entry / "tokens.npy").write_text("not an array", encoding="utf-8")
    again = load_shelf(LIBRARY, embedder, tmp_path)
    assert "library cache" in caplog.text and "rebuilding" in caplog.text
    np.testing.assert_array_equal(again.promise(vector, question), built.promise(vector, question))


def test_a_library_keeps_one_shelf_and_shelves_have_a_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = FakeEmbedder()
    shelves = tmp_path / "shelves"
    load_shelf(LIBRARY, embedder, tmp_path, library=7)
    load_shelf(LIBRARY[:-1], embedder, tmp_path, library=7)  # the library changed
    assert [p.name.endswith("-7") for p in shelves.iterdir() if p.name[0] != "."] == [True]
    monkeypatch.setattr(index_cache, "KEEP_SHELVES", 3)
    for library in range(5):
        load_shelf(LIBRARY[library:], embedder, tmp_path, library=100 + library)
    kept = sorted(p.name.rsplit("-", 1)[1] for p in shelves.iterdir() if p.name[0] != ".")
    assert kept == ["102", "103", "104"]  # the most recently used


def test_without_building_a_large_scope_says_what_to_build(tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    default = Retriever(build_index(Article("Default", ("A default.",)), embedder), embedder)
    answerer = Answerer(default, tmp_path)
    scope = Scope(LIBRARY, tuple(range(len(LIBRARY))), library=3)
    question, calls = QUESTIONS[0], embedder.document_calls
    with pytest.raises(NotReady) as need:
        answerer.answer(question, scope, 3, build=False)
    assert need.value.scope is scope and embedder.document_calls == calls  # nothing built
    answerer.prepare(need.value)
    while True:  # the shortlisted articles' indexes come next, each built by `prepare`
        try:
            answer = answerer.answer(question, scope, 3, build=False)
            break
        except NotReady as more:
            assert more.articles and not more.shelf
            answerer.prepare(more)
    assert answer.article == SEALS
    again = Answerer(default, tmp_path)  # a new process: everything comes from the cache
    calls = embedder.document_calls
    assert again.answer(question, scope, 3, build=False).article == SEALS
    assert embedder.document_calls == calls


def test_a_shelf_made_from_the_last_one_is_the_shelf_made_anew() -> None:
    embedder = FakeEmbedder()
    indexes = {a: build_index(a, embedder) for a in LIBRARY}
    before = (*LIBRARY[2:-3], LIBRARY[0])  # one gone, three to come, an order changed
    last = Shelf.of([indexes[a] for a in before])
    asked: list[int] = []

    def read(positions: list[int]) -> list[Part]:
        asked.extend(positions)
        return [Shelf.of([indexes[LIBRARY[i]]]).parts()[0] for i in positions]

    updated = last.updated(before, LIBRARY, [a.language for a in LIBRARY], read)
    fresh = Shelf.of([indexes[a] for a in LIBRARY])
    assert sorted(LIBRARY[i].title for i in asked) == sorted(
        a.title for a in LIBRARY if a not in before
    )
    for question in QUESTIONS:
        vector = embedder.encode_queries([question])[0]
        np.testing.assert_allclose(
            updated.promise(vector, question), fresh.promise(vector, question), rtol=1e-6
        )
        every = np.arange(len(LIBRARY))
        np.testing.assert_array_equal(
            updated.best_sentences(vector, every), fresh.best_sentences(vector, every)
        )
        assert (
            updated.shortlist(embedder, question, 3)[1] == fresh.shortlist(embedder, question, 3)[1]
        )
