"""Vectors kept in the library's database: embedded once, read by every later process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from bot.library.answering import RANKED_WHOLE, Answerer, add_indexed
from bot.library.schema import BOT_WIDE, VectorsRow, WordRow
from bot.library.scope import library_scope
from bot.library.store import Library
from bot.settings import Settings
from bot.startup import prepare
from embeddings.article import Article
from embeddings.collection import Collection
from embeddings.index import build_index
from embeddings.packing import pack, unpack
from embeddings.retriever import Retriever
from tests.fakes import DIM, FakeEmbedder
from tests.test_shelf import BREAD, LIBRARY, QUESTIONS, SEALS

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
GUILD = 5


@pytest.fixture
def library(database_url: str) -> Iterator[Library]:
    opened = Library.open(database_url, max_articles=100)
    yield opened
    opened.close()


def _default(embedder: FakeEmbedder) -> Retriever:
    return Retriever(build_index(Article("Default", ("A default article.",)), embedder), embedder)


def _passages(answer: object) -> list[tuple[str, int]]:
    return [(p.article.title, p.paragraph) for p in answer.passages]  # type: ignore[attr-defined]


def test_packed_vectors_keep_their_cosines() -> None:
    rng = np.random.default_rng(0)
    rows = rng.standard_normal((50, 384)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    data = pack(rows)
    assert len(data) == 50 * (384 + 4)
    back = unpack(data, 384)
    assert np.allclose(np.linalg.norm(back, axis=1), 1, atol=1e-5)
    assert float(np.min(np.sum(rows * back, axis=1))) > 0.999
    queries = rng.standard_normal((5, 384)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    assert float(np.abs(queries @ rows.T - queries @ back.T).max()) < 0.01
    assert unpack(pack(np.zeros((2, 8), np.float32)), 8).shape == (2, 8)  # no division by 0
    with pytest.raises(ValueError):
        unpack(data[:-1], 384)


def test_a_new_process_answers_from_kept_vectors_without_embedding(
    library: Library, tmp_path: Path
) -> None:
    first = FakeEmbedder()
    for article in LIBRARY:
        add_indexed(library, article, GUILD, "ann", first, tmp_path / "first-cache")
    scope = library_scope(library.articles(GUILD), GUILD)
    assert len(scope.articles) > RANKED_WHOLE  # asked through the shelf
    every = Collection([Retriever(build_index(a, first), first) for a in LIBRARY])

    second = FakeEmbedder()  # another process: an empty cache, nothing embedded yet
    answerer = Answerer(_default(second), tmp_path / "empty-cache", library)
    calls = second.document_calls
    for question in QUESTIONS:
        ours, full = (
            _passages(answerer.answer(question, scope, 3)),
            _passages(every.answer(question)),
        )
        assert ours == full[: len(ours)] and (ours or not full)  # at most SHORTLIST articles
    assert second.document_calls == calls  # not one paragraph embedded
    assert any((tmp_path / "empty-cache").iterdir())  # the cache is filled, as a speed-up

    third = FakeEmbedder()  # and with no cache at all
    answerer = Answerer(_default(third), None, library)
    assert answerer.answer(QUESTIONS[0], scope, 3).article == SEALS
    assert third.document_calls == 1  # its default article only


def test_the_default_article_is_read_from_the_library_too(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(_env_file=None, cache_dir=tmp_path / "a")  # type: ignore[call-arg]
    built = prepare(settings, embedder=FakeEmbedder(), library=library)
    assert built.load.source == "built"
    fresh = FakeEmbedder()
    settings = Settings(_env_file=None, cache_dir=tmp_path / "b")  # type: ignore[call-arg]
    read = prepare(settings, embedder=fresh, library=library)
    assert read.load.source == "database" and fresh.document_calls == 0
    question = "Who will decide when to respond to the American letter?"
    assert _passages(read.retriever.answer(question)) == _passages(built.retriever.answer(question))
    assert library.articles(BOT_WIDE) == []  # kept as vectors, not as a library article


def test_a_server_keeps_each_word_once_and_encodes_only_new_ones(library: Library) -> None:
    embedder = FakeEmbedder()
    add_indexed(library, SEALS, GUILD, "ann", embedder, None)
    seals = build_index(SEALS, embedder)
    with library.engine.connect() as connection:
        words = connection.scalar(sa.select(sa.func.count()).select_from(WordRow))
    assert words == len(seals.vocabulary.words)
    again = Article("Seals again", ("Harbour seals counted by volunteers.", "Seals, 797 again."))
    before = embedder.documents_encoded
    add_indexed(library, again, GUILD, "ann", embedder, None)
    index = build_index(again, FakeEmbedder())
    new_words = set(index.vocabulary.words) - set(seals.vocabulary.words)
    texts = len(again.paragraphs) + len(index.sentence_spans)
    assert embedder.documents_encoded - before == texts + len(new_words)
    add_indexed(library, again, GUILD + 1, "bob", embedder, None)  # another server: its own
    with library.engine.connect() as connection:
        rows = connection.execute(sa.select(WordRow.guild_id, WordRow.word)).all()
    assert {w for g, w in rows if g == GUILD + 1} == set(index.vocabulary.words)
    assert len({w for g, w in rows if g == GUILD}) == len(seals.vocabulary.words) + len(new_words)
    removed = [s for s in library.articles(GUILD) if s.article == again]
    library.remove(GUILD, removed[0].id)  # its words stay until the vectors are pruned
    with library.engine.connect() as connection:
        kept = connection.execute(sa.select(WordRow.word).where(WordRow.guild_id == GUILD))
        assert len(kept.all()) == len(seals.vocabulary.words) + len(new_words)
    assert library.drop_vectors(embedder.model_id) == 0  # `library reindex --prune`
    with library.engine.connect() as connection:
        rows = connection.execute(sa.select(WordRow.guild_id, WordRow.word)).all()
    assert {w for g, w in rows if g == GUILD} == set(seals.vocabulary.words)
    assert {w for g, w in rows if g == GUILD + 1} == set(index.vocabulary.words)


def test_vectors_go_with_the_last_article_holding_their_text(library: Library) -> None:
    embedder = FakeEmbedder()
    one = add_indexed(library, SEALS, GUILD, "ann", embedder, None).stored
    two = add_indexed(library, SEALS, GUILD + 1, "bob", embedder, None).stored

    def kept() -> int:
        with library.engine.connect() as connection:
            return int(connection.scalar(sa.select(sa.func.count()).select_from(VectorsRow)) or 0)

    assert kept() == 1  # one text, kept once
    library.remove(GUILD, one.id)
    assert kept() == 1 and library.read_index(GUILD + 1, SEALS, embedder.model_id, DIM) is not None
    library.remove(GUILD + 1, two.id)
    assert kept() == 0


@pytest.mark.parametrize(
    "damage",
    [
        {"spans": b"\x00" * 12},  # spans that do not fit the article
        {"words": {"not": "a list"}},
        {"dim": 8},  # not the model's dimension
        {"paragraphs": b"\xff\xff\xff\x7f" + b"\x00" * DIM},  # a scale that is NaN
    ],
)
def test_kept_vectors_that_are_unusable_are_built_again_and_replaced(
    library: Library, damage: dict[str, object]
) -> None:
    embedder = FakeEmbedder()
    add_indexed(library, SEALS, GUILD, "ann", embedder, None)
    with library.engine.begin() as connection:
        connection.execute(sa.update(VectorsRow).values(**damage))
    assert library.read_index(GUILD, SEALS, embedder.model_id, DIM) is None
    fresh = FakeEmbedder()
    answerer = Answerer(_default(fresh), None, library)
    scope = library_scope(library.articles(GUILD), GUILD)
    assert answerer.answer(QUESTIONS[0], scope, 3).article == SEALS
    assert fresh.document_calls == 2  # the default article, and this one built again
    assert library.read_index(GUILD, SEALS, embedder.model_id, DIM) is not None  # replaced


def test_the_default_article_of_a_warm_cache_is_kept_too(library: Library, tmp_path: Path) -> None:
    settings = Settings(_env_file=None, cache_dir=tmp_path / "a")  # type: ignore[call-arg]
    prepare(settings, embedder=FakeEmbedder())  # an older start: the cache only
    assert prepare(settings, embedder=FakeEmbedder(), library=library).load.source == "cache"
    fresh = FakeEmbedder()
    settings = Settings(_env_file=None, cache_dir=tmp_path / "b")  # type: ignore[call-arg]
    assert prepare(settings, embedder=fresh, library=library).load.source == "database"
    assert fresh.document_calls == 0


def test_a_changed_library_reads_only_the_articles_it_gained(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = FakeEmbedder()
    for article in LIBRARY[:-1]:  # all but the bakery
        add_indexed(library, article, GUILD, "ann", embedder, None)
    answerer = Answerer(_default(embedder), None, library)
    scope = library_scope(library.articles(GUILD), GUILD)
    assert answerer.answer(QUESTIONS[1], scope, 3).article != BREAD
    asked: list[list[str]] = []
    overviews = library.overviews

    def spy(articles: list[Article], model_id: str, dim: int) -> object:
        asked.append([a.title for a in articles])
        return overviews(articles, model_id, dim)

    monkeypatch.setattr(library, "overviews", spy)
    add_indexed(library, BREAD, GUILD, "ann", embedder, None)
    grown = library_scope(library.articles(GUILD), GUILD)
    assert answerer.answer(QUESTIONS[1], grown, 3).article == BREAD
    assert asked == [[BREAD.title]]
    library.remove(GUILD, library.articles(GUILD)[0].id)
    shrunk = library_scope(library.articles(GUILD), GUILD)
    assert answerer.shelf(shrunk).size == len(LIBRARY) - 1 and asked == [[BREAD.title]]


def test_vectors_of_other_models_are_listed_for_reindexing(library: Library) -> None:
    add_indexed(library, SEALS, GUILD, "ann", FakeEmbedder("model-a"), None)
    add_indexed(library, BREAD, BOT_WIDE, "ann", FakeEmbedder("model-a"), None)
    assert library.without_vectors("model-a") == []
    assert [s.article for s in library.without_vectors("model-b")] == [SEALS, BREAD]
    assert [s.article for s in library.without_vectors("model-b", GUILD)] == [SEALS]
    other = FakeEmbedder("model-b")
    library.keep_vectors(SEALS, GUILD, "model-b", build_index(SEALS, other))
    assert [s.article for s in library.without_vectors("model-b")] == [BREAD]
    assert library.drop_vectors("model-b") == 2
    assert [s.article for s in library.without_vectors("model-a")] == [SEALS, BREAD]


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.bot_process", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_bulk_adds_and_reindex_from_the_command_line(database_url: str, tmp_path: Path) -> None:
    sources = tmp_path / "sources.txt"
    sources.write_text(f"# two more\n{DATA / 'article_de.txt'}\n\n{tmp_path / 'gone.txt'}\n")
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        CACHE_DIR=str(tmp_path / "cache-1"),
        HF_HUB_OFFLINE="1",
    )
    env.pop("ARTICLE", None)
    zh = str(DATA / "article_zh.txt")
    added = _run(["library", "add", zh, "--from", str(sources), "--guild", "7", "--json"], env)
    assert added.returncode == 1, added.stderr  # one source failed; the others were added
    lines = [json.loads(line) for line in added.stdout.splitlines()]
    assert [line.get("added") for line in lines] == [True, True, None]
    assert lines[2]["source"] == str(tmp_path / "gone.txt") and "gone.txt" in lines[2]["error"]
    assert added.stderr.count("error:") == 1
    first = _run(["ask", "--guild", "7", "Wie lang ist die neue Linie?"], env)  # the bot's start
    assert first.returncode == 0, first.stderr

    # A second process, on an empty cache, whose model may not encode a document.
    asking = dict(env, CACHE_DIR=str(tmp_path / "cache-2"), BOT_PROCESS_DOCUMENTS="refuse")
    asked = _run(["ask", "--guild", "7", "--json", "Wie lang ist die neue Linie?"], asking)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["answered"] and answer["article"]["title"].startswith("Neue Straßenbahnlinie")

    other = dict(env, BOT_PROCESS_MODEL_ID="fake-model-2")
    reindexed = _run(["library", "reindex"], other)
    assert reindexed.returncode == 0, reindexed.stderr
    assert "Embedded 2 articles with fake-model-2" in reindexed.stdout
    assert "Embedded 0 articles" in _run(["library", "reindex"], other).stdout
    refusing = dict(other, CACHE_DIR=str(tmp_path / "cache-3"), BOT_PROCESS_DOCUMENTS="refuse")
    asked = _run(["ask", "--guild", "7", "--json", "Wie lang ist die neue Linie?"], refusing)
    assert asked.returncode == 0 and json.loads(asked.stdout)["answered"], asked.stderr
    pruned = _run(["library", "reindex", "--prune"], other)
    assert "Removed the vectors of 3 texts kept from other models" in pruned.stdout  # + default


def test_a_second_process_with_the_real_model_embeds_nothing(
    tmp_path: Path, seeded_cache: Path
) -> None:
    """The product's promise, with the default model: a process on an empty cache answers
    from the library's database without calling the model's document encoder."""
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'library.db'}",
        CACHE_DIR=str(seeded_cache),
        HF_HUB_OFFLINE="1",
        BOT_PROCESS_MODEL="real",
    )
    env.pop("ARTICLE", None)
    added = _run(["library", "add", str(DATA / "article_zh.txt"), "--guild", "7"], env)
    assert added.returncode == 0, added.stderr
    assert _run(["ask", "--guild", "7", "Сколько?"], env).returncode == 0  # the bot's start
    empty = tmp_path / "empty-cache"
    shutil.copytree(seeded_cache / "models", empty / "models")  # the model's own files only
    asking = dict(env, CACHE_DIR=str(empty), BOT_PROCESS_DOCUMENTS="refuse")
    asked = _run(["ask", "--guild", "7", "--json", "Сколько стоило строительство?"], asking)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["answered"] and answer["passages"][0]["paragraph"] == 2


def test_the_bot_wide_library_is_the_same_everywhere() -> None:
    import bot.startup
    from bot.library import schema

    assert bot.startup.BOT_WIDE == schema.BOT_WIDE == BOT_WIDE


def test_a_server_keeps_a_bounded_number_of_words(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.library import vectors

    monkeypatch.setattr(vectors, "MAX_SERVER_WORDS", 5)
    embedder = FakeEmbedder()
    add_indexed(library, SEALS, GUILD, "ann", embedder, None)
    add_indexed(library, BREAD, GUILD, "ann", embedder, None)
    with library.engine.connect() as connection:
        held = connection.scalar(
            sa.select(sa.func.count()).select_from(WordRow).where(WordRow.guild_id == GUILD)
        )
    assert held == 5
    read = library.read_index(GUILD, BREAD, embedder.model_id, DIM)  # read without them
    assert read is not None and len(read.vocabulary.words) == 0
    answerer = Answerer(_default(FakeEmbedder()), None, library)
    scope = library_scope(library.articles(GUILD), GUILD)
    assert answerer.answer(QUESTIONS[1], scope, 3).article == BREAD
