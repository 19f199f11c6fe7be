"""Reading a stranger's input in a process of its own, within a budget of time and text."""

from __future__ import annotations

import pytest

from embeddings.article import Article
from embeddings.errors import ArticleError
from embeddings.sources.isolated import ReadingBudget, check_budget, parse_isolated

MARKDOWN = b"# Bakery opens\n\nThe baker said the ovens run from four in the morning.\n"


def test_an_article_read_in_its_own_process_is_as_read_here() -> None:
    article = parse_isolated(MARKDOWN, ".md", "bakery.md", None, ReadingBudget())
    assert article.title == "Bakery opens"
    assert article.paragraphs == ("The baker said the ovens run from four in the morning.",)


def test_a_reader_error_is_one_line() -> None:
    with pytest.raises(ArticleError, match=r"^story.json: "):
        parse_isolated(b"{not json", ".json", "story.json", None, ReadingBudget())


def test_reading_past_the_deadline_is_given_up() -> None:
    """Markdown made of a million brackets takes minutes to parse."""
    with pytest.raises(ArticleError, match=r"took too long to read \(over 3 s\)"):
        parse_isolated(b"[" * 1_000_000, ".md", "slow.md", None, ReadingBudget(seconds=3))


@pytest.mark.parametrize(
    ("text", "budget", "message"),
    [
        ("The cat sat here. " * 3_000, ReadingBudget(sentences=1_000), "too many sentences"),
        (
            " ".join(f"w{i}x" for i in range(3_000)),
            ReadingBudget(words=1_000),
            "too many different words",
        ),
    ],
)
def test_an_article_whose_index_would_cost_too_much_is_refused(
    text: str, budget: ReadingBudget, message: str
) -> None:
    raw = f"# Long\n\n{text}\n".encode()
    with pytest.raises(ArticleError, match=message):
        parse_isolated(raw, ".md", "long.md", None, budget)


def test_an_article_over_the_character_budget_is_refused() -> None:
    article = Article("Long", ("Word " * 20,) * 2_500)
    with pytest.raises(ArticleError, match=r"^long.md: too long \(250,000 characters"):
        check_budget(article, "long.md", ReadingBudget(characters=100_000))
    check_budget(Article("Long", article.paragraphs[:900]), "long.md", ReadingBudget())
