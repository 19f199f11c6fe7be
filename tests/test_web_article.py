"""Articles from web pages, saved HTML and Markdown, against a local HTTP server."""

from __future__ import annotations

import http.server
import json
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import ClassVar

import pytest

from embeddings.errors import ArticleError
from embeddings.sources import load_article
from embeddings.sources.fetch import FetchPolicy
from embeddings.sources.web import MAX_AGE_SECONDS, fetch_article
from tests.conftest import SHARED

PAGE = (Path(__file__).parent / "data" / "news_page.html").read_bytes()
REALWORLD = SHARED / "data" / "realworld-pages"
CANONICAL = "https://news.example.org/2024/03/05/harbour-seals-return"
PARAGRAPHS = (
    "Harbour seals have returned to the Thames in numbers not seen for decades, a survey "
    "published on Tuesday found.",
    "The count, carried out by volunteers over two weeks, recorded 797 seals between "
    "Teddington and the estuary, up from 450 five years ago.",
    "Scientists credit cleaner water and a ban on certain fishing nets for the recovery.",
    "The survey team said the seals were counted from boats and from the riverbank at low tide.",
    '"It is a remarkable turnaround for a river once declared biologically dead," said '
    "Dr. Amy Lee, who led the survey.",
)
LOCAL = FetchPolicy(allow_private=True)  # the server is on 127.0.0.1
NAV_ONLY = b"""<html><head><title>Index</title></head><body><nav><a href="/a">A</a>
<a href="/b">B</a></nav><footer>(c) 2024</footer></body></html>"""


class _Handler(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[dict[str, int]] = {}

    def do_GET(self) -> None:
        _Handler.hits[self.path] = _Handler.hits.get(self.path, 0) + 1
        routes = {
            "/news": (200, "text/html; charset=utf-8", PAGE),
            "/nav": (200, "text/html", NAV_ONLY),
            "/pdf": (200, "application/pdf", b"%PDF-1.4"),
            "/huge": (200, "text/html", b"<p>" + b"a " * (3 * 1024 * 1024) + b"</p>"),
        }
        if self.path == "/slow":
            time.sleep(1.5)
            routes["/slow"] = (200, "text/html", PAGE)
        route = self.path.split("?", 1)[0]
        status, kind, body = routes.get(route, (404, "text/html", b"not found"))
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_web_page_gives_title_date_canonical_link_and_exact_paragraphs(
    server: str, tmp_path: Path
) -> None:
    article = fetch_article(f"{server}/news", tmp_path, policy=LOCAL)
    assert article.title == "Harbour Seals Return to the Thames"
    assert article.published == date(2024, 3, 5)
    assert article.url == CANONICAL
    assert article.paragraphs == PARAGRAPHS


def test_fetched_article_is_cached_and_refreshed_on_request(server: str, tmp_path: Path) -> None:
    url = f"{server}/news?cache-test"
    first = fetch_article(url, tmp_path, policy=LOCAL)
    hits = _Handler.hits["/news?cache-test"]
    assert fetch_article(url, tmp_path, policy=LOCAL) == first
    assert _Handler.hits["/news?cache-test"] == hits
    assert fetch_article(url, tmp_path, refresh=True, policy=LOCAL) == first
    assert _Handler.hits["/news?cache-test"] == hits + 1


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing", "HTTP 404"),
        ("/nav", "no article found"),
        ("/pdf", "not a web page"),
        ("/huge", "larger than 1 MB"),
    ],
)
def test_fetch_errors_are_one_clear_line(
    server: str, tmp_path: Path, path: str, message: str
) -> None:
    with pytest.raises(ArticleError) as caught:
        fetch_article(f"{server}{path}", tmp_path, policy=replace(LOCAL, max_bytes=2**20))
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{server}{path}:")
    assert "\n" not in str(caught.value)


def test_slow_page_times_out(server: str, tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match=r"no complete answer within 0\.3 s"):
        fetch_article(f"{server}/slow", tmp_path, policy=replace(LOCAL, timeout=0.3))


def test_a_copy_older_than_a_day_is_fetched_again(server: str, tmp_path: Path) -> None:
    url = f"{server}/news?age-test"
    fetch_article(url, tmp_path, policy=LOCAL)
    hits = _Handler.hits["/news?age-test"]
    _age_cached_copies(tmp_path, MAX_AGE_SECONDS - 60)
    fetch_article(url, tmp_path, policy=LOCAL)
    assert _Handler.hits["/news?age-test"] == hits
    _age_cached_copies(tmp_path, MAX_AGE_SECONDS + 60)
    fetch_article(url, tmp_path, policy=LOCAL)
    assert _Handler.hits["/news?age-test"] == hits + 1


def test_an_old_copy_is_used_when_fetching_again_fails(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"{server}/news?fallback-test"
    first = fetch_article(url, tmp_path, policy=LOCAL)
    _age_cached_copies(tmp_path, MAX_AGE_SECONDS + 60)

    def fail(url: str, *args: object) -> bytes:
        raise ArticleError(f"{url}: HTTP 503 Service Unavailable")

    monkeypatch.setattr("embeddings.sources.web.download", fail)
    assert fetch_article(url, tmp_path, policy=LOCAL) == first
    with pytest.raises(ArticleError, match="503"):
        fetch_article(url, tmp_path, refresh=True, policy=LOCAL)


def _age_cached_copies(cache_dir: Path, seconds: float) -> None:
    then = time.time() - seconds
    for copy in (cache_dir / "articles").iterdir():
        os.utime(copy, (then, then))


def test_unreachable_host_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="cannot fetch"):
        fetch_article("http://127.0.0.1:9/", tmp_path, policy=replace(LOCAL, timeout=1))


def test_saved_html_file_is_read_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "saved.html"
    path.write_bytes(PAGE)
    article = load_article(path)
    assert article.paragraphs == PARAGRAPHS and article.url == CANONICAL


def test_saved_html_file_in_its_declared_encoding_is_read(tmp_path: Path) -> None:
    text = "The caf\u00e9\u2019s owner said \u201cwe will reopen\u201d on Monday, after a closure."
    page = (
        '<html><head><meta charset="windows-1252"><title>Caf\u00e9 news</title></head>'
        f"<body><article><h1>Caf\u00e9 news</h1><p>{text}</p>"
        "<p>Na\u00efve critics were wrong, she added, pointing to the queue outside.</p>"
        "</article></body></html>"
    )
    path = tmp_path / "saved.html"
    path.write_bytes(page.encode("cp1252"))
    article = load_article(path)
    assert article.title == "Caf\u00e9 news"
    assert article.paragraphs[0] == text


def test_markdown_article_with_tags_and_a_broken_paragraph(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text(
        "# Seals Are Back\n\nSeals <em>returned</em> to the\n\nriver this year.\n\n"
        "Source: https://example.org/seals\n"
    )
    article = load_article(path)
    assert article.title == "Seals Are Back"
    assert article.paragraphs == ("Seals returned to the river this year.",)
    assert article.url == "https://example.org/seals"


def test_ask_about_a_web_page_quotes_it_with_its_canonical_link(
    server: str, fake_model: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    assert (
        main(["ask", "--json", "--article", f"{server}/news", "How many seals were counted?"]) == 0
    )
    row = json.loads(capsys.readouterr().out)
    assert row["article"]["url"] == CANONICAL
    assert row["passages"][0]["text"] in PARAGRAPHS


def test_unreachable_article_url_exits_2(
    fake_model: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    assert main(["ask", "--article", "http://127.0.0.1:9/x", "q"]) == 2
    assert "cannot fetch" in capsys.readouterr().err


INTERVIEW = Path(__file__).parent / "data" / "interview_page.html"


def test_a_page_reads_as_a_reader_sees_it() -> None:
    article = load_article(INTERVIEW)
    assert article.title == "Ein Gespräch über Netze"
    assert article.published == date(2021, 6, 2)  # first published, not last modified
    paragraphs = article.paragraphs
    # A standfirst and a subheading are kept; text in a <div> too.
    assert paragraphs[0].startswith("Der Chef des Netzbetreibers spricht")
    assert "Glasfaser für alle" in paragraphs
    # A line break starts a new paragraph: no words glued together across it.
    assert paragraphs[2].endswith("und legen?")
    assert paragraphs[3].startswith("Christoph Vilanek: Wir fangen")
    # Each paragraph of a quotation is a paragraph of its own.
    assert "Wir werden nicht aufhören, bis das letzte Haus angeschlossen ist." in paragraphs
    assert "Das ist unser Versprechen an die Kunden auf dem Land." in paragraphs
    # The soft hyphen a browser hides is left out.
    assert any(p.startswith("Die Glasfaser ist teuer") for p in paragraphs)
    # Photo credits are not paragraphs.
    assert not any("Credit" in p or "Foto:" in p for p in paragraphs)
    assert paragraphs[-1].startswith("Der Ausbau soll")


def test_every_paragraph_is_text_of_the_page() -> None:
    """Nothing is invented: every word of a paragraph is a word of the page (or two, where
    the page sets two elements side by side without a space), and a
    paragraph's characters stand together in the page (spacing aside: a page may set two
    elements side by side without a space), but where trafilatura leaves out an inline
    element such as a formula or an icon."""
    pages = [INTERVIEW, Path(__file__).parent / "data" / "news_page.html"]
    if REALWORLD.is_dir():
        pages += sorted(REALWORLD.glob("*.html"))
    paragraphs = apart = 0
    for page in pages:
        text = _reader_text(page.read_bytes())
        words, unspaced = set(re.findall(r"\w+", text)), "".join(text.split())
        for paragraph in load_article(page).paragraphs:
            invented = [w for w in re.findall(r"\w+", paragraph) if not _of_page(w, words)]
            assert invented == [], (page.name, paragraph[:80])
            paragraphs += 1
            if "".join(paragraph.split()) not in unspaced:
                assert page.parent == REALWORLD, (page.name, paragraph[:80])
                apart += 1
    assert apart <= paragraphs // 50  # measured: 10 of 1,004 on the saved pages


def test_a_copyright_year_is_not_a_publication_date(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    body = " ".join(["Eine lange Geschichte über den Hafen und seine Schiffe."] * 6)
    page.write_text(
        f"<html><body><article><p>{body}</p></article>"
        "<footer>© 2016 Hafenblatt</footer></body></html>",
        encoding="utf-8",
    )
    assert load_article(page).published is None


@pytest.mark.skipif(not REALWORLD.is_dir(), reason="no ../shared/data/realworld-pages here")
def test_real_saved_pages_keep_their_article_and_leave_out_boilerplate() -> None:
    from bot.tools.pages import measure_pages

    report = measure_pages(REALWORLD)
    # Floors below the figures `python -m bot pages` reports (95.5%, 1 of 111).
    assert report.kept_share >= 0.93
    assert report.leaked <= 2
    assert report.refused == [] and report.crashed == []


def _of_page(word: str, words: set[str]) -> bool:
    """A word of the page, or two set side by side without a space between them."""
    return word in words or any(
        word[:i] in words and word[i:] in words for i in range(1, len(word))
    )


def _reader_text(page: bytes) -> str:
    """All the text of a page as a reader sees it, a space at each tag: invisible
    characters out, accents composed, white space folded."""
    import unicodedata

    import lxml.html
    from trafilatura.utils import decode_file  # the page's own encoding, as when it is read

    text = " ".join(lxml.html.document_fromstring(decode_file(page)).itertext())
    text = re.sub("[\u00ad\u200b-\u200d\u2060\ufeff]", "", unicodedata.normalize("NFC", text))
    return " ".join(text.split())
