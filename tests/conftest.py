"""Shared fixtures: the bundled article, a fake embedder and, for a few tests, the real model."""

from __future__ import annotations

import os
import shutil

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import Settings
from embeddings.article import Article
from embeddings.models import DEFAULT_MODEL, MINILM
from embeddings.models.factory import (
    export_dir,
    load_embedder,
    load_sentence_transformer,
    resolve_model,
)
from embeddings.models.onnx_backend import export
from embeddings.models.protocol import Embedder
from embeddings.models.st_backend import SentenceTransformerEmbedder
from embeddings.sources import bundled_article_path, load_article
from tests import stats
from tests.databases import KINDS, new_database
from tests.fakes import FakeEmbedder

pytest_plugins = ["tests.discord_harness"]

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture
def article() -> Article:
    return load_article(bundled_article_path())


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings isolated from the developer's environment and `.env`."""
    for name in (
        "DISCORD_TOKEN",
        "ARTICLE",
        "EMBEDDING_MODEL",
        "CACHE_DIR",
        "TOP_K",
        "MIN_RELEVANCE",
        "DEV_GUILD_ID",
        "DATABASE_URL",
        "LIBRARY_MAX_ARTICLES",
        "LIBRARY_MAX_PARAGRAPHS",
        "ATTACHMENT_MAX_BYTES",
        "ALLOW_PRIVATE_URLS",
        "FETCH_TIMEOUT",
        "ADD_LIMIT",
        "ADD_LIMIT_SECONDS",
        "SHARD_COUNT",
        "SHARD_IDS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the default library.db
    monkeypatch.chdir(tmp_path)
    yield Settings(_env_file=None, cache_dir=tmp_path / "cache")  # type: ignore[call-arg]


@pytest.fixture
def fake_model(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> FakeEmbedder:
    """Make the CLI use a fake embedder and a temporary cache."""
    embedder = FakeEmbedder()

    def load(name: str, cache_dir: Path | None = None) -> FakeEmbedder:
        embedder.loads += 1
        return embedder

    monkeypatch.setattr("bot.startup.load_embedder", load)
    monkeypatch.setenv("CACHE_DIR", str(settings.cache_dir))
    return embedder


@pytest.fixture(params=KINDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database of each kind the library runs on."""
    with new_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def plain_embedder() -> SentenceTransformerEmbedder:
    """The bundled all-MiniLM-L6-v2 on sentence-transformers, loaded once for the whole run."""
    return load_sentence_transformer(MINILM)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory holding the models' exports (see `real_embedder`)."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def real_embedder(model_cache: Path) -> Embedder:
    """The default model as the bot runs it: exported once to ONNX Runtime, into `model_cache`."""
    return load_embedder(DEFAULT_MODEL, model_cache)


@pytest.fixture(scope="session")
def minilm_embedder(plain_embedder: SentenceTransformerEmbedder, model_cache: Path) -> Embedder:
    """all-MiniLM-L6-v2 as the bot runs it: exported once to ONNX Runtime, into `model_cache`."""
    directory = export_dir(model_cache, resolve_model(MINILM)[1])
    assert directory is not None
    embedder = export(plain_embedder, directory)
    assert embedder is not None
    return embedder


@pytest.fixture
def seeded_cache(tmp_path: Path, model_cache: Path, real_embedder: Embedder) -> Path:
    """A fresh cache directory for a bot process, holding the default model's export, so
    the process loads the model instead of exporting it again."""
    cache = tmp_path / "cache"
    shutil.copytree(model_cache / "models", cache / "models")
    return cache


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many examples the property tests tried and what the load tests measured."""
    if stats.examples:
        tried = ", ".join(f"{name} {count}" for name, count in sorted(stats.examples.items()))
        terminalreporter.write_line(f"property examples tried: {tried}")
    for name, value in sorted(stats.figures.items()):
        terminalreporter.write_line(f"measured {name}: {value}")
