"""The model wrapper: questions and paragraphs each get the model's own prompt."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embeddings.models.factory import load_sentence_transformer, resolve_model
from embeddings.models.protocol import Embedder
from embeddings.models.st_backend import SentenceTransformerEmbedder

QUESTION = "Who is Ned Price?"
PARAGRAPH = "U.S. State Department spokesman Ned Price said Blinken expects a reply."


@pytest.fixture(scope="module")
def prompted_model(tmp_path_factory: pytest.TempPathFactory) -> SentenceTransformerEmbedder:
    """The bundled model, configured with query and passage prompts (as e5 models are)."""
    bundled = Path(resolve_model("all-MiniLM-L6-v2")[0])
    copy = tmp_path_factory.mktemp("prompted-model")
    for item in bundled.iterdir():
        (copy / item.name).symlink_to(item)
    (copy / "config_sentence_transformers.json").unlink()
    (copy / "config_sentence_transformers.json").write_text(
        json.dumps({"prompts": {"query": "query: ", "document": "passage: "}})
    )
    return load_sentence_transformer(str(copy))


@pytest.mark.model
def test_queries_and_documents_get_their_own_prompts(
    prompted_model: SentenceTransformerEmbedder, plain_embedder: SentenceTransformerEmbedder
) -> None:
    query = prompted_model.encode_queries([QUESTION])[0]
    document = prompted_model.encode_documents([PARAGRAPH])
    expected_query = plain_embedder.encode_queries(["query: " + QUESTION])[0]
    expected_document = plain_embedder.encode_documents(["passage: " + PARAGRAPH])
    assert np.allclose(query, expected_query, atol=1e-5)
    assert np.allclose(document, expected_document, atol=1e-5)
    assert not np.allclose(query, plain_embedder.encode_queries([QUESTION])[0], atol=1e-3)


@pytest.mark.model
def test_vectors_are_unit_float32_and_a_batch_does_not_change_them(
    real_embedder: Embedder,
) -> None:
    queries = real_embedder.encode_queries([QUESTION, "spokesperson"])
    documents = real_embedder.encode_documents([PARAGRAPH, QUESTION])
    assert queries.dtype == documents.dtype == np.float32
    assert queries.shape == documents.shape == (2, 384)
    assert np.allclose(np.linalg.norm(queries, axis=1), 1, atol=1e-5)
    assert np.allclose(np.linalg.norm(documents, axis=1), 1, atol=1e-5)
    # A question encoded beside its (shorter, padded) words gets the vector it gets alone.
    assert np.allclose(queries[0], real_embedder.encode_queries([QUESTION])[0], atol=1e-5)


def test_a_tokenizer_that_cannot_list_pieces_counts_every_word_whole() -> None:
    class StaticTokenizer:  # like a static-embedding model's: it encodes, but has no tokenize
        def encode(self, text: str) -> list[int]:
            return [len(text)]

    class Model:
        tokenizer = StaticTokenizer()

    assert SentenceTransformerEmbedder(Model(), "static").knows_word("biden") is True
    assert SentenceTransformerEmbedder(object(), "no-tokenizer").knows_word("biden") is True
