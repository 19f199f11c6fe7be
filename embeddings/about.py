# ruff: noqa: RUF001 (questions in their own scripts and punctuation)
"""Questions about the article as a whole ("What is this article about?", "When was it
published?"): told apart by the model, as closeness to a few such questions.

The article answers them with its opening paragraph, quoted like any other passage; its
title, date and source go with every answer anyway.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

from embeddings.models.protocol import Embedder
from embeddings.types import Vectors

ABOUT_QUESTIONS = (
    "What is this article about?",
    "What is the story about?",
    "Summarize the article.",
    "What is the main point of this article?",
    "What is the headline?",
    "When was this article published?",
    "What is the date of this article?",
    "Who published this article?",
    "Who wrote this article?",
    "Where is this article from?",
    # The same in the languages the bot speaks: a multilingual model finds them across
    # languages anyway, but less surely than in the asker's own.
    "О чём эта статья?",
    "Когда опубликована эта статья?",
    "Worum geht es in diesem Artikel?",
    "¿De qué trata este artículo?",
    "De quoi parle cet article ?",
    "Sobre o que é este artigo?",
    "这篇文章讲的是什么？",
    "这篇文章是什么时候发表的？",
    "عن ماذا يتحدث هذا المقال؟",
)
"""Questions about an article as a whole; a question close to any of them is one too."""

_vectors: weakref.WeakKeyDictionary[object, Vectors] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def about_closeness(embedder: Embedder, query_vector: Vectors) -> float:
    """The cosine of a question's vector to the closest of `ABOUT_QUESTIONS`. Their vectors
    are encoded once per model, the first time they are needed."""
    with _lock:
        vectors = _vectors.get(embedder)
        if vectors is None:
            vectors = _vectors[embedder] = embedder.encode_queries(ABOUT_QUESTIONS)
    return float(np.max(vectors @ query_vector))
