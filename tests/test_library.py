"""The article library: the store, its schema migrations, scopes, and the command line."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from bot.cli import main
from bot.library.changes import ChangeWatcher
from bot.library.schema import BOT_WIDE
from bot.library.scope import Scopes, resolve
from bot.library.store import UNREACHABLE, Library, LibraryError, sqlite_url
from bot.library.store import database_url as store_url
from bot.settings import Settings
from embeddings.article import Article
from embeddings.collection import Collection
from embeddings.index import build_index
from embeddings.retriever import Retriever
from tests.databases import new_database, postgres_server
from tests.fakes import DIM, FakeEmbedder
from tests.tcp_proxy import TcpProxy
from tests.together import run_together

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
SEALS = Article(
    "Seals return",
    (
        "Harbour seals have returned to the Thames in numbers not seen for decades.",
        "Volunteers counted 797 seals between Teddington and the estuary.",
    ),
    url="https://news.example.org/seals",
)
BREAD = Article(
    "A bakery opens",
    (
        "A new bakery opened on the high street on Monday, selling sourdough bread.",
        "The baker said the ovens run from four in the morning.",
    ),
)


@pytest.fixture
def library(database_url: str) -> Iterator[Library]:
    opened = Library.open(database_url, max_articles=3)
    yield opened
    opened.close()


def test_an_article_is_kept_once_by_link_or_by_content(library: Library) -> None:
    first = library.add(SEALS, 1, added_by="ann")
    assert first.added and first.stored.article == SEALS and first.stored.added_by == "ann"
    again = library.add(SEALS, 1)
    assert not again.added and again.stored.id == first.stored.id
    relinked = Article(SEALS.title, SEALS.paragraphs, url="https://mirror.example.org/seals")
    assert not library.add(relinked, 1).added  # same content
    edited = Article("Seals, updated", (*SEALS.paragraphs, "A correction."), url=SEALS.url)
    assert not library.add(edited, 1).added  # same link
    assert [s.article for s in library.articles(1)] == [SEALS]


def test_a_link_too_long_to_keep_is_dropped(library: Library) -> None:
    long = Article("Long", ("A long link.",), url="https://news.example.org/" + "a" * 2100)
    wide = Article("Wide", ("A link of wide letters.",), url="https://例え.jp/" + "記事" * 500)
    for article in (long, wide):  # wide: fewer than 2048 letters, more than 2048 bytes
        added = library.add(article, 1)
        assert added.added and added.stored.article.url is None
    assert [s.article.url for s in library.articles(1)] == [None, None]


def test_an_id_beyond_any_article_is_no_article(library: Library) -> None:
    library.add(SEALS, 1)
    for article_id in (2**31, 2**63, 99999999999999999999):
        assert library.get(1, article_id) is None
        with pytest.raises(LibraryError, match=f"no article {article_id} in this library"):
            library.remove(1, article_id)
        with pytest.raises(LibraryError, match=f"no article {article_id} in this library"):
            library.pin(1, 10, article_id)


def test_titles_are_read_alone_oldest_first(library: Library) -> None:
    seals, bread = library.add(SEALS, 1).stored, library.add(BREAD, 1).stored
    library.add(SEALS, 2)
    statements: list[str] = []
    sa.event.listen(
        library.engine, "before_cursor_execute", lambda *a: statements.append(a[2].lower())
    )
    assert library.titles(1) == [(seals.id, SEALS.title), (bread.id, BREAD.title)]
    [select] = [s for s in statements if s.lstrip().startswith("select")]
    assert "paragraphs" not in select and "url" not in select
    assert library.titles(3) == []


def test_nothing_of_one_server_reaches_another(library: Library) -> None:
    seals = library.add(SEALS, 1).stored
    assert library.articles(2) == [] and library.articles(BOT_WIDE) == []
    assert library.get(2, seals.id) is None
    with pytest.raises(LibraryError):
        library.remove(2, seals.id)
    with pytest.raises(LibraryError):
        library.pin(2, 99, seals.id)
    assert library.add(SEALS, 2).added  # each server keeps its own copy
    assert [s.article for s in library.articles(1)] == [SEALS]


def test_a_full_library_refuses_more(library: Library) -> None:
    for n in range(3):
        library.add(Article(f"Story {n}", (f"Paragraph of story {n}.",)), 1)
    with pytest.raises(LibraryError, match="full"):
        library.add(SEALS, 1)
    assert library.add(SEALS, 2).added  # another server's library is not full


def test_pins_follow_the_article_and_go_with_it(library: Library) -> None:
    seals = library.add(SEALS, 1).stored
    library.pin(1, 10, seals.id)
    assert library.pinned(1, 10) == seals.id and library.pinned(1, 11) is None
    library.pin(1, 10, None)
    assert library.pinned(1, 10) is None
    library.pin(1, 10, seals.id)
    library.remove(1, seals.id)
    assert library.pinned(1, 10) is None


def test_the_library_survives_a_restart(database_url: str) -> None:
    opened = Library.open(database_url)
    stored = opened.add(SEALS, 1, added_by="ann").stored
    opened.close()
    again = Library.open(database_url)
    assert again.articles(1) == [stored]
    again.close()


def test_simultaneous_adds_from_many_processes_keep_one_article(database_url: str) -> None:
    """Twenty processes open a new database (each bringing its schema up to date) and add
    the same article at the same moment."""
    code = (
        "import sys\nfrom bot.library.store import Library\n"
        "from embeddings.article import Article\nfrom tests.together import at_once\n"
        "with at_once():\n"
        "    added = Library.open(sys.argv[1]).add(Article('Seals', ('Seals are back.',), "
        "url='https://news.example.org/seals'), 1).added\n"
        "print(added)\n"
    )
    outputs = run_together(code, [database_url], 20)
    assert outputs == ["False"] * 19 + ["True"]
    library = Library.open(database_url)
    assert len(library.articles(1)) == 1
    library.close()


def test_the_cap_on_articles_holds_when_many_processes_add_at_once(database_url: str) -> None:
    """Twelve processes add twelve different articles to one library of three at once."""
    code = (
        "import os, sys\nfrom bot.library.store import Library, LibraryError\n"
        "from embeddings.article import Article\nfrom tests.together import at_once\n"
        "library = Library.open(sys.argv[1], max_articles=3)\n"
        "article = Article('Story', (f'Story of process {os.getpid()}.',))\n"
        "with at_once():\n"
        "    try:\n"
        "        print(library.add(article, 1).added)\n"
        "    except LibraryError as refused:\n"
        "        print(refused)\n"
    )
    Library.open(database_url).close()
    outputs = run_together(code, [database_url], 12)
    full = "the library is full (3 articles): remove one first"
    assert outputs == sorted(["True"] * 3 + [full] * 9)
    library = Library.open(database_url)
    assert len(library.articles(1)) == 3
    library.close()


def test_a_process_killed_in_the_middle_of_an_add_leaves_nothing(database_url: str) -> None:
    code = (
        "import os, sys\nfrom sqlalchemy.orm import Session\n"
        "from bot.library.store import Library\nfrom embeddings.article import Article\n"
        "def die(self):\n    self.flush()\n    os._exit(9)  # killed after writing, before commit\n"
        "Session.commit = die\n"
        f"Library.open({database_url!r}).add(Article('Seals', ('Seals are back.',)), 1)\n"
    )
    Library.open(database_url).close()
    killed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True)
    assert killed.returncode == 9, killed.stderr
    library = Library.open(database_url)
    assert library.articles(1) == []
    assert library.add(Article("Seals", ("Seals are back.",)), 1).added  # it can be retried
    library.close()


def test_a_home_relative_sqlite_path_is_one_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    library = Library.open("sqlite:///~/article-bot/library.db")
    library.add(SEALS, 1)
    library.close()
    assert (tmp_path / "home" / "article-bot" / "library.db").is_file()
    assert not (tmp_path / "~").exists()


def test_a_database_a_newer_version_migrated_is_used_as_it_is(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    Library.open(database_url).close()
    engine = sa.create_engine(store_url(database_url))
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    with caplog.at_level(logging.WARNING, logger="bot.library.store"):
        library = Library.open(database_url)
    assert [r.getMessage() for r in caplog.records] == [
        "the database is newer than this version of article-bot (revision 9999_future); "
        "using it as it is"
    ]
    assert library.add(SEALS, 1).added
    assert [s.article for s in library.articles(1)] == [SEALS]
    library.close()


def test_a_database_of_an_older_schema_is_upgraded(database_url: str) -> None:
    engine = sa.create_engine(store_url(database_url))
    if engine.dialect.name == "sqlite":
        Path(engine.url.database or "").parent.mkdir(parents=True, exist_ok=True)
    config = Config()
    config.set_main_option("script_location", str(ROOT / "bot" / "library" / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")  # the first schema: articles, no pins
        connection.execute(
            sa.text(
                "INSERT INTO articles (guild_id, title, url, published, paragraphs, "
                "content_hash, added_by, added_at) VALUES (1, 'Seals return', NULL, NULL, "
                ":paragraphs, :hash, 'ann', '2026-01-01 00:00:00')"
            ),
            {"paragraphs": json.dumps(list(SEALS.paragraphs)), "hash": "old"},
        )
    assert "pins" not in sa.inspect(engine).get_table_names()
    engine.dispose()
    library = Library.open(database_url)
    [kept] = library.articles(1)
    assert kept.article.paragraphs == SEALS.paragraphs and kept.added_by == "ann"
    assert kept.article.language == "en"  # detected when read: the row has none
    library.pin(1, 10, kept.id)  # the later schema's table is there
    assert library.pinned(1, 10) == kept.id
    library.close()


def test_an_article_keeps_its_language(library: Library) -> None:
    german = Article(
        "Sanktionen",
        ("Die Bundesregierung hat am Dienstag neue Sanktionen gegen Russland beschlossen.",),
        language="de",
    )
    kept = library.add(german, 1).stored
    with library.engine.connect() as connection:
        column = connection.execute(sa.text("SELECT language FROM articles")).scalar_one()
    assert column == "de"
    assert library.get(1, kept.id) == kept
    assert [s.article for s in library.articles(1)] == [german]


def test_a_scope_is_the_pinned_article_the_server_library_or_the_bot_wide_one(
    library: Library,
) -> None:
    default = Article("Default", ("The default article.",))
    assert resolve(library, default, 1).articles == (default,)
    seals, bread = library.add(SEALS, 1).stored, library.add(BREAD, 1).stored
    library.add(BREAD, BOT_WIDE)
    assert resolve(library, default, 1, [10]).articles == (SEALS, BREAD)
    library.pin(1, 10, bread.id)
    assert resolve(library, default, 1, [10]).articles == (BREAD,)
    assert resolve(library, default, 1, [77, 10]).articles == (BREAD,)  # a thread's parent
    library.pin(1, 77, seals.id)
    assert resolve(library, default, 1, [77, 10]).articles == (SEALS,)  # pinned itself
    assert resolve(library, default, 2).articles == (default, BREAD)  # empty: bot-wide
    assert resolve(library, default, None).articles == (default, BREAD)  # a DM
    assert resolve(None, default, 1).articles == (default,)


def test_a_library_is_copied_to_another_database_whole(
    database_url: str,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source_url = sqlite_url(tmp_path / "source" / "library.db")
    source = Library.open(source_url)
    embedder = FakeEmbedder()
    seals = source.add(
        SEALS, 1, added_by="ann", index=build_index(SEALS, embedder), model_id=embedder.model_id
    ).stored
    source.add(BREAD, 1, added_by="bob")
    source.add(BREAD, BOT_WIDE, added_by="command line")
    long_ago = datetime.now(UTC) - timedelta(days=60)
    old_news = Article("Old news", ("Nothing new.",), url="https://example.org/old")
    source.add(old_news, 2, "ann", long_ago, source_url="https://example.org/old")
    source.pin(1, 10, seals.id)
    source.close()
    target = Library.open(database_url)
    target.add(BREAD, BOT_WIDE)  # held already: kept once
    monkeypatch.setenv("DATABASE_URL", source_url)
    for added in (3, 0):  # the second time adds nothing
        assert main(["library", "copy", database_url]) == 0
        said = capsys.readouterr().out
        assert said.startswith(f"Copied {added} articles and 1 channel pins to ")
        password = make_url(database_url).password
        assert not password or password not in said
    kept = target.articles(1)
    assert [(s.article, s.added_by, s.added_at) for s in kept] == [
        (SEALS, "ann", seals.added_at),
        (BREAD, "bob", kept[1].added_at),
    ]
    assert target.pinned(1, 10) == kept[0].id
    assert [s.article for s in target.articles(BOT_WIDE)] == [BREAD]
    assert [s.source_url for s in target.articles(2)] == ["https://example.org/old"]
    assert target.due(datetime.now(UTC) + timedelta(hours=7), 10) == []  # too old to check
    copied = target.read_index(1, SEALS, embedder.model_id, DIM)  # its vectors came along
    assert (
        copied is not None
        and copied.vocabulary.words == build_index(SEALS, embedder).vocabulary.words
    )
    assert target.read_index(1, BREAD, embedder.model_id, DIM) is None  # none were kept
    target.close()


def test_a_change_made_elsewhere_is_noticed(database_url: str) -> None:
    here, elsewhere = Library.open(database_url), Library.open(database_url)
    changes: list[int | None] = []
    watcher = ChangeWatcher(here, changes.append, interval=0.1)
    watcher.start()
    try:
        assert watcher.ready.wait(10)  # it has read the version, and listens
        assert changes == [None]  # scopes read before it started are read again
        changes.clear()
        elsewhere.add(SEALS, 7)
        deadline = time.monotonic() + 10
        while not changes and time.monotonic() < deadline:
            time.sleep(0.05)
        # Whichever notices first, the version read (server unknown) or, on PostgreSQL,
        # the notification (naming the server), the server's scopes are dropped.
        assert changes and set(changes) <= {7, None}
    finally:
        watcher.stop()
        here.close()
        elsewhere.close()


def test_a_notification_names_the_server_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with new_database("postgresql", tmp_path) as url:
        here, elsewhere = Library.open(url), Library.open(url)
        changes: list[int | None] = []
        watcher = ChangeWatcher(here, changes.append, interval=0.1)
        watcher.start()
        try:
            assert watcher.ready.wait(10)
            before = here.version()
            monkeypatch.setattr(here, "version", lambda: before)  # reads miss the change
            changes.clear()
            elsewhere.add(SEALS, 7)
            deadline = time.monotonic() + 10
            while not changes and time.monotonic() < deadline:
                time.sleep(0.05)
            assert changes[:1] == [7]
        finally:
            watcher.stop()
            here.close()
            elsewhere.close()


def test_while_the_database_is_away_known_scopes_answer_and_changes_fail_clearly(
    tmp_path: Path,
) -> None:
    server = make_url(postgres_server())
    with new_database("postgresql", tmp_path) as url:
        proxy = TcpProxy((server.host or "127.0.0.1", server.port or 5432))
        proxy.up()
        through = make_url(url).set(port=proxy.port).render_as_string(hide_password=False)
        library = Library.open(through)
        default = Article("Default", ("The default article.",))
        scopes = Scopes(library, default)
        library.add(SEALS, 1)
        assert scopes.get(1).articles == (SEALS,)
        proxy.down()
        scopes.changed()  # even a scope due to be read again is answered from
        assert scopes.get(1).articles == (SEALS,)
        with pytest.raises(LibraryError) as away:
            library.add(BREAD, 1)
        assert str(away.value) == UNREACHABLE
        assert server.password and server.password not in str(away.value)
        proxy.up()
        assert library.add(BREAD, 1).added  # back: changes work again
        assert scopes.get(1).articles == (SEALS, BREAD)
        library.close()
        proxy.down()


def test_a_collection_of_one_answers_as_its_article_does() -> None:
    embedder = FakeEmbedder()
    retriever = Retriever(build_index(SEALS, embedder), embedder)
    for question in ("How many seals were counted?", "Kangaroo football cup winners in Sydney?"):
        assert Collection([retriever]).answer(question) == retriever.answer(question)


def test_each_passage_of_a_collection_cites_its_own_article() -> None:
    embedder = FakeEmbedder()
    seals, bread = (Retriever(build_index(a, embedder), embedder) for a in (SEALS, BREAD))
    collection = Collection([bread, seals])
    answer = collection.answer("How many seals did volunteers count?")
    assert answer.answered and answer.article == SEALS
    assert all(answer.article_of(p) == SEALS for p in answer.passages)
    answer = collection.answer("When do the bakery ovens run?")
    assert answer.passages[0].article == BREAD and answer.article == BREAD
    both = collection.answer("Seals counted by volunteers; bakery ovens run in the morning?")
    assert set(both.articles) <= {SEALS, BREAD}
    assert not collection.answer("Kangaroo football cup winners in Sydney?").answered


def test_library_commands_add_list_ask_and_remove(
    fake_model: FakeEmbedder, capsys: pytest.CaptureFixture[str]
) -> None:
    page = str(DATA / "news_page.html")
    assert main(["library", "add", "--json", "--guild", "42", page]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added == {
        "id": added["id"],
        "title": "Harbour Seals Return to the Thames",
        "published": "2024-03-05",
        "url": "https://news.example.org/2024/03/05/harbour-seals-return",
        "paragraphs": 5,
        "source": page,
        "added": True,
    }
    assert main(["library", "add", "--json", "--guild", "42", page]) == 0
    assert json.loads(capsys.readouterr().out)["added"] is False
    assert main(["library", "list", "--json", "--guild", "42"]) == 0
    [listed] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert listed["id"] == added["id"] and listed["added_by"] == "command line"

    assert main(["ask", "--json", "--guild", "42", "How many seals were counted?"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["answered"] and answer["article"]["id"] == added["id"]
    assert all(p["article"]["id"] == added["id"] for p in answer["passages"])
    # Another server, with no library of its own, asks the bot-wide one: never server 42's.
    assert main(["ask", "--json", "--guild", "43", "How many seals were counted?"]) == 0
    elsewhere = json.loads(capsys.readouterr().out)
    assert all(p["article"]["id"] is None for p in elsewhere["passages"])
    assert "Harbour Seals" not in json.dumps(elsewhere)

    assert main(["library", "remove", "--guild", "43", str(added["id"])]) == 2
    assert "no article" in capsys.readouterr().err
    assert main(["library", "remove", "--guild", "42", str(added["id"])]) == 0
    assert capsys.readouterr().out.startswith(f"Removed [{added['id']}] Harbour Seals")
    assert main(["library", "list", "--guild", "42", "--json"]) == 0
    assert capsys.readouterr().out == ""


def test_ask_without_any_library_answers_as_before(
    fake_model: FakeEmbedder, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from embeddings.sources import bundled_article_path

    question = "When will Putin respond?"
    assert main(["ask", "--json", question]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["answered"] and answer["article"].pop("id") is None
    for passage in answer["passages"]:
        assert passage["article"].pop("id") is None
    assert main(["ask", "--json", "--article", str(bundled_article_path()), question]) == 0
    alone = json.loads(capsys.readouterr().out)
    for article in [alone["article"], *(p["article"] for p in alone["passages"])]:
        article.pop("id")
    assert answer == alone
    assert not list((tmp_path / "data").rglob("*.db"))  # no database was created


def test_a_library_evaluation_counts_the_right_article_and_paragraph_first() -> None:
    from embeddings.evaluation import Case, evaluate_library

    embedder = FakeEmbedder()
    seals, bread = (Retriever(build_index(a, embedder), embedder) for a in (SEALS, BREAD))
    runs = [
        (seals, [Case("How many seals did volunteers count?", 1), Case("Ovens at four?", 0)]),
        (bread, [Case("When do the bakery ovens run?", 1), Case("No answer here", None)]),
    ]
    report = evaluate_library(runs)
    assert report.questions == 3  # the one without a right paragraph is not asked
    assert report.right_article == 2 and report.right_paragraph == 2
    assert evaluate_library(runs, every=2).questions == 2
