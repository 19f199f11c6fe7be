"""What every answer promises, checked on any answer a test gets."""

from __future__ import annotations

from embeddings.answer import Answer


def assert_well_formed(answer: Answer, k: int) -> None:
    """At most `k` passages, each a different paragraph of the article quoted verbatim,
    with its highlighted sentence inside it; a tentative answer quotes one passage; a
    question that could not be asked gets an error and no passage."""
    numbers = [p.paragraph for p in answer.passages]
    assert len(numbers) <= k and len(set(numbers)) == len(numbers)
    for passage in answer.passages:
        assert answer.article.paragraphs[passage.paragraph - 1] == passage.text
        assert passage.highlight and passage.highlight in passage.text
    if answer.tentative:
        assert answer.answered and len(answer.passages) == 1
    if answer.error:
        assert not answer.answered and not answer.passages
