"""The scopes kept between questions: one copy of each library, a bounded number of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.library import scope as scope_module
from bot.library.schema import BOT_WIDE
from bot.library.scope import Scopes
from bot.library.store import Library, StoredArticle, sqlite_url
from embeddings.article import Article

DEFAULT = Article("Default", ("The default article.",))
SEALS = Article("Seals", ("Volunteers counted 797 seals in the Thames.",))
BREAD = Article("Bread", ("The bakery ovens run from four in the morning.",))


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library.open(sqlite_url(tmp_path / "library.db"))


def count_reads(library: Library, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    reads: list[int] = []
    articles = library.articles

    def counted(guild_id: int = BOT_WIDE) -> list[StoredArticle]:
        reads.append(guild_id)
        return articles(guild_id)

    monkeypatch.setattr(library, "articles", counted)
    return reads


def test_direct_messages_and_channels_share_their_library(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    library.add(BREAD)
    library.add(SEALS, 1)
    scopes = Scopes(library, DEFAULT)
    reads = count_reads(library, monkeypatch)
    in_dms = {id(scopes.get(None, [channel]).articles) for channel in range(40)}
    in_channels = {id(scopes.get(1, [channel]).articles) for channel in range(100, 140)}
    assert len(in_dms) == 1 and len(in_channels) == 1  # one copy each, not forty
    assert scopes.get(None, [5]).articles == (DEFAULT, BREAD)
    assert scopes.get(1, [100]).articles == (SEALS,)
    assert reads == [BOT_WIDE, 1]


def test_libraries_kept_are_bounded(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scope_module, "LIBRARIES", 3)
    monkeypatch.setattr(scope_module, "PINS", 5)
    for guild in range(1, 6):
        library.add(SEALS, guild)
    scopes = Scopes(library, DEFAULT)
    reads = count_reads(library, monkeypatch)
    for guild in range(1, 6):
        for channel in range(3):
            assert scopes.get(guild, [channel]).articles == (SEALS,)
    assert len(scopes._libraries) == 3 and len(scopes._pins) == 5
    scopes.get(5)  # kept: the most recently asked
    scopes.get(1)  # let go: read again
    assert reads == [1, 2, 3, 4, 5, 1]


def test_a_pinned_channel_asks_one_article_of_its_kept_library(library: Library) -> None:
    seals = library.add(SEALS, 1).stored
    library.add(BREAD, 1)
    scopes = Scopes(library, DEFAULT)
    assert scopes.get(1, [10]).articles == (SEALS, BREAD)
    library.pin(1, 10, seals.id)
    scopes.changed(1)
    assert scopes.get(1, [10]).articles == (SEALS,)
    assert scopes.get(1, [77, 10]).articles == (SEALS,)  # a thread follows its parent
    assert scopes.get(1, [11]).articles == (SEALS, BREAD)
    assert scopes.get(1, [10]).articles[0] is scopes.get(1, [11]).articles[0]  # one copy


def test_a_scope_is_read_once_until_its_library_changes(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    scopes = Scopes(library, DEFAULT)
    library.add(SEALS, 1)
    reads = count_reads(library, monkeypatch)
    for _ in range(3):
        assert scopes.get(1, [10]).articles == (SEALS,)
    assert reads == [1]
    library.add(BREAD, 1)
    scopes.changed(2)  # another server's change keeps this one's scope
    assert scopes.get(1, [10]).articles == (SEALS,)
    scopes.changed(1)
    assert scopes.get(1, [10]).articles == (SEALS, BREAD)
    scopes.changed(BOT_WIDE)  # servers with an empty library ask the bot-wide one
    assert scopes.get(1, [10]).articles == (SEALS, BREAD)
    assert reads == [1, 1, 1]
