"""The article loaders: the bundled text format, JSON, and their errors."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from embeddings.article import Article
from embeddings.errors import ArticleError
from embeddings.sources import load_article
from embeddings.sources.text import parse_text_article

URL = (
    "https://www.themoscowtimes.com/2022/02/01/"
    "russia-says-still-working-on-written-follow-up-to-us-security-demands-response-a76214"
)


def test_bundled_article_has_title_date_and_working_link(article: Article) -> None:
    assert article.title == (
        "Russia Says Still Working on Written Follow-Up to U.S. Security Demands Response"
    )
    assert article.published == date(2022, 2, 1)
    assert article.url == URL


def test_bundled_article_has_eleven_body_paragraphs(article: Article) -> None:
    assert len(article.paragraphs) == 11
    assert article.paragraphs[0].startswith("Russia is still working on its written responses")
    assert article.paragraphs[-1].endswith("the Embassy warned.")


def test_photo_caption_is_not_body_text(article: Article) -> None:
    assert not any("Government Works" in p for p in article.paragraphs)


def test_inline_html_is_reduced_to_its_words(article: Article) -> None:
    assert "The Washington Post had reported Monday" in article.paragraphs[1]
    assert not any("<" in p or ">" in p for p in article.paragraphs)


def test_paragraph_broken_mid_sentence_is_joined(article: Article) -> None:
    sentence = (
        "Putin's spokesman Dmitry Peskov added that the president will decide on his "
        "own when to respond to the U.S. letter."
    )
    assert sum(sentence in p for p in article.paragraphs) == 1
    assert not any(p.startswith("will decide") for p in article.paragraphs)


def test_related_article_and_url_lines_are_not_body_text(article: Article) -> None:
    joined = "\n".join(article.paragraphs)
    assert "Related article" not in joined
    assert "Original url" not in joined
    assert "themoscowtimes" not in joined


def test_text_article_with_markdown_heading_and_no_date() -> None:
    parsed = parse_text_article("# A Title\n\nFirst paragraph.\n\nSecond one.\n")
    assert parsed.title == "A Title"
    assert parsed.published is None
    assert parsed.paragraphs == ("First paragraph.", "Second one.")


def test_text_without_blank_lines_has_one_paragraph_per_line() -> None:
    parsed = parse_text_article(
        'A Title\nFebruary 01, 2022\nFirst paragraph.\n"Second," she said.\nA sentence\nwrapped.\n'
    )
    assert parsed.title == "A Title"
    assert parsed.published == date(2022, 2, 1)
    assert parsed.paragraphs == ("First paragraph.", '"Second," she said.', "A sentence wrapped.")


def test_block_of_whole_sentences_is_one_paragraph_per_line() -> None:
    parsed = parse_text_article("A Title\n\nFirst paragraph.\nSecond one!\nThird one?\n")
    assert parsed.paragraphs == ("First paragraph.", "Second one!", "Third one?")


def test_hard_wrapped_paragraph_stays_whole() -> None:
    parsed = parse_text_article(
        "T\n\nThe cat sat on the mat. It\nwas warm. The dog\nslept.\n\nNext."
    )
    assert parsed.paragraphs == ("The cat sat on the mat. It was warm. The dog slept.", "Next.")


def test_in_hard_wrapped_text_a_line_ending_a_sentence_does_not_split_a_paragraph() -> None:
    parsed = parse_text_article(
        "T\n\nThe talks went on for hours.\nNothing was agreed.\n\n"
        "Moscow said it would send a written\nreply later this week.\n"
    )
    assert parsed.paragraphs == (
        "The talks went on for hours. Nothing was agreed.",
        "Moscow said it would send a written reply later this week.",
    )


def test_title_and_date_in_one_block_are_told_apart() -> None:
    parsed = parse_text_article("Talks Stall\nas Moscow Waits\nFebruary 01, 2022\n\nBody.\n")
    assert (parsed.title, parsed.published) == ("Talks Stall as Moscow Waits", date(2022, 2, 1))
    assert parsed.paragraphs == ("Body.",)


def test_markdown_headings_are_not_body_text() -> None:
    parsed = parse_text_article("# A Title\nFirst paragraph.\n\n## Background\n\nSecond one.\n")
    assert parsed.title == "A Title"
    assert parsed.paragraphs == ("First paragraph.", "Second one.")


def test_url_on_the_label_line_is_read() -> None:
    parsed = parse_text_article("T\n\nBody.\n\nSource: https://example.org/a b\n")
    assert parsed.url == "https://example.org/ab"
    assert parsed.paragraphs == ("Body.",)


def test_a_label_without_a_link_is_body_text_not_the_source_link() -> None:
    parsed = parse_text_article("T\n\nBody.\n\nSource: Reuters and AFP\n")
    assert parsed.url is None
    assert parsed.paragraphs == ("Body.", "Source: Reuters and AFP")
    parsed = parse_text_article("T\n\nBody.\n\nOriginal url:\n\nSee the site.\n")
    assert parsed.url is None
    assert parsed.paragraphs == ("Body.", "See the site.")


def test_json_article_keeps_paragraphs_as_given(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    paragraphs = ["  Spaced <b>text</b> stays.", "Second."]
    path.write_text(
        json.dumps(
            {
                "title": "T",
                "url": "https://example.org",
                "published": "2024-05-06",
                "paragraphs": paragraphs,
            }
        )
    )
    loaded = load_article(path)
    assert loaded.paragraphs == tuple(paragraphs)
    assert loaded.published == date(2024, 5, 6)
    assert loaded.url == "https://example.org"


def test_json_article_url_loses_stray_spaces_as_in_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    url = " https://example.org/sec urity "
    path.write_text(json.dumps({"title": "T", "url": url, "paragraphs": ["P."]}))
    assert load_article(path).url == "https://example.org/security"


def test_json_article_date_is_optional(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(
        json.dumps({"title": "T", "url": "https://example.org/u", "paragraphs": ["P."]})
    )
    assert load_article(path).published is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON article"),
        (json.dumps({"title": "T", "paragraphs": "one string"}), "paragraphs"),
        (json.dumps({"title": "T", "paragraphs": []}), "paragraphs"),
        (json.dumps({"paragraphs": ["P."]}), "title"),
        (json.dumps({"title": "T", "published": "yesterday", "paragraphs": ["P."]}), "published"),
        (json.dumps({"title": "T", "url": "example.org/a", "paragraphs": ["P."]}), "url"),
    ],
)
def test_malformed_json_article_names_file_and_problem(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ArticleError) as caught:
        load_article(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_article_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="no such article file"):
        load_article(tmp_path / "nope.txt")


def test_directory_and_binary_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="directory"):
        load_article(tmp_path)
    binary = tmp_path / "b.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\xff")
    with pytest.raises(ArticleError, match="not UTF-8 text"):
        load_article(binary)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_unicode_text_with_a_byte_order_mark_is_read(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "notepad.txt"
    path.write_bytes(
        "Caf\u00e9 Reopens\n\nThe caf\u00e9\u2019s owner said \u201cwe are back\u201d.\n".encode(
            encoding
        )
    )
    article = load_article(path)
    assert article.title == "Caf\u00e9 Reopens"
    assert article.paragraphs == ("The caf\u00e9\u2019s owner said \u201cwe are back\u201d.",)


def test_damaged_utf16_text_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "cut.txt"
    path.write_bytes("Title\n\nBody.\n".encode("utf-16")[:-1])  # cut in the middle of a unit
    with pytest.raises(ArticleError, match=r"cut\.txt: damaged UTF-16 text$"):
        load_article(path)


def test_text_in_another_encoding_is_refused_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Caf\u00e9 Reopens\n\nThe caf\u00e9 owner is back.\n".encode("cp1252"))
    with pytest.raises(ArticleError, match=r"latin\.txt: not UTF-8 text \(save it as UTF-8\)"):
        load_article(path)


def test_empty_text_article_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("\n\n   \n")
    with pytest.raises(ArticleError, match="empty"):
        load_article(path)


def test_content_hash_changes_with_any_paragraph() -> None:
    a = Article("T", ("one", "two"))
    assert a.content_hash == Article("T", ("one", "two")).content_hash
    assert a.content_hash != Article("T", ("one", "two!")).content_hash
