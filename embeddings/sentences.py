"""Sentence boundaries inside a paragraph, as character spans so quotes stay verbatim."""

from __future__ import annotations

from sentencex import segment

Span = tuple[int, int]


def sentence_spans(paragraph: str, language: str = "en") -> list[Span]:
    """Return (start, end) offsets of each sentence; `paragraph[start:end]` is the sentence.

    The whole paragraph is one span when the segmenter finds nothing it can place.
    """
    spans: list[Span] = []
    cursor = 0
    for piece in segment(language, paragraph):
        sentence = piece.strip()
        if not sentence:
            continue
        start = paragraph.find(sentence, cursor)
        if start < 0:
            return [(0, len(paragraph))]
        spans.append((start, start + len(sentence)))
        cursor = start + len(sentence)
    return spans or [(0, len(paragraph))]
