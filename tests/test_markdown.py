"""Markdown articles: the words a reader sees, quoted without markup."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from embeddings.article import Article
from embeddings.errors import ArticleError
from embeddings.sources import load_article
from embeddings.sources.markdown import markdown_to_text
from embeddings.sources.text import parse_text_article

DOCUMENT = """\
Seals Are Back
==============

Seals *returned* to the **river** this year, [the survey](https://example.org/s) found.
![a seal](seal.png)

- Counters saw `312` seals.
- Pups were born in May.

> "We did not expect this," a ranger said.

```
print("not prose")
```

<div class="ad">Buy now</div>

| year | seals |
|------|-------|
| 2024 | 312   |

Source: <https://example.org/seals>
"""


def _load(tmp_path: Path, text: str, name: str = "a.md") -> Article:
    path = tmp_path / name
    path.write_text(text)
    return load_article(path)


def test_markup_is_reduced_to_the_words_a_reader_sees(tmp_path: Path) -> None:
    article = _load(tmp_path, DOCUMENT)
    assert article.title == "Seals Are Back"
    assert article.paragraphs == (
        "Seals returned to the river this year, the survey found.",
        "Counters saw 312 seals.",
        "Pups were born in May.",
        '"We did not expect this," a ranger said.',
    )
    assert article.url == "https://example.org/seals"


def test_front_matter_gives_title_and_date(tmp_path: Path) -> None:
    article = _load(
        tmp_path,
        '---\ntitle: "Seals Are Back"\ndate: 2024-06-02T08:00:00Z\ntags: [nature]\n---\n\n'
        "# Seals Are Back\n\nSeals returned.\n\n## Counting\n\nThere were 312.\n",
    )
    assert article.title == "Seals Are Back"
    assert article.published == date(2024, 6, 2)
    assert article.paragraphs == ("Seals returned.", "There were 312.")


def test_front_matter_date_without_a_title_follows_the_heading(tmp_path: Path) -> None:
    article = _load(tmp_path, "---\ndate: 2024-06-02\n---\n# Seals\n\nSeals returned.\n")
    assert (article.title, article.published) == ("Seals", date(2024, 6, 2))
    assert article.paragraphs == ("Seals returned.",)


def test_list_items_stay_apart_while_a_broken_paragraph_is_joined(tmp_path: Path) -> None:
    article = _load(
        tmp_path,
        "# Talks\n\nThe demands were\n\n- no NATO membership for Ukraine\n"
        "- no missiles near the border\n\nand the talks went on. A sentence cut\n\n"
        "in two halves was ~~not~~ mended.\n",
    )
    assert article.paragraphs == (
        "The demands were",
        "no NATO membership for Ukraine",
        "no missiles near the border",
        "and the talks went on. A sentence cut in two halves was not mended.",
    )


def test_link_lines_are_never_joined_to_an_unfinished_paragraph(tmp_path: Path) -> None:
    article = _load(
        tmp_path,
        "# Talks\n\nRead the embassy's statement on its page\n\nsource: https://example.org/a\n\n"
        "The talks went on, read more\n\nRelated article: earlier talks\n\nOriginal url:\n\n"
        "https://example.org/b\n\nand more after the link.\n",
    )
    assert article.paragraphs == (
        "Read the embassy's statement on its page",
        "The talks went on, read more",
        "and more after the link.",
    )
    assert article.url == "https://example.org/b"


def test_text_file_is_not_read_as_markdown(tmp_path: Path) -> None:
    article = _load(tmp_path, "Title\n\nA *starred* word.\n", name="a.txt")
    assert article.paragraphs == ("A *starred* word.",)


_PIECES = [*"ab #*_-=|`>[]()!<:\n\t.\"'0", "---\n", "title: x\n", "date: 2024-01-02\n", "\n\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=60).map("".join))
@example("#\n\nA heading with no words.")
def test_any_text_or_markdown_loads_or_is_a_clear_error(text: str) -> None:
    for plain in (text, markdown_to_text(text)):
        try:
            article = parse_text_article(plain)
        except ArticleError:
            continue
        assert article.title and article.paragraphs
        assert all(p.strip() and "\n" not in p for p in article.paragraphs)
