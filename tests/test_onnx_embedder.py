"""all-MiniLM-L6-v2 on ONNX Runtime: the original's vectors, an export made once and checked."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embeddings.models import MINILM
from embeddings.models import factory as embedder_module
from embeddings.models import onnx_backend as onnx_embedder
from embeddings.models.factory import export_dir, load_embedder, resolve_model
from embeddings.models.onnx_backend import OnnxEmbedder, export, load_export
from embeddings.models.protocol import Embedder
from embeddings.models.st_backend import SentenceTransformerEmbedder

ROOT = Path(__file__).resolve().parents[1]
MODEL_ID = resolve_model(MINILM)[1]
TEXTS = [
    "Who is Ned Price?",
    "Russia is still working on its written responses to the United States' letter. " * 30,
    "  écrit, 書かれた, 🙂 \u200b  ",
    "",
    "Peskov",
]


def _exported_to(cache: Path, source: Path) -> Path:
    """A copy of the export at `source` where `load_embedder` looks for it under `cache`."""
    directory = export_dir(cache, MODEL_ID)
    assert directory is not None
    shutil.copytree(source, directory)
    return directory


def _session_export(model_cache: Path) -> Path:
    directory = export_dir(model_cache, MODEL_ID)
    assert directory is not None and (directory / "model.onnx").is_file()
    return directory


@pytest.mark.model
def test_the_export_gives_the_original_vectors_in_any_batch(
    minilm_embedder: Embedder, plain_embedder: SentenceTransformerEmbedder
) -> None:
    assert isinstance(minilm_embedder, OnnxEmbedder)
    fast = minilm_embedder.encode_documents(TEXTS)
    assert fast.dtype == np.float32 and fast.shape == (len(TEXTS), 384)
    assert np.abs(fast - plain_embedder.encode_documents(TEXTS)).max() < 1e-5
    queries = minilm_embedder.encode_queries(TEXTS[:1] + TEXTS[-1:])
    assert np.abs(queries - plain_embedder.encode_queries(TEXTS[:1] + TEXTS[-1:])).max() < 1e-5
    assert minilm_embedder.encode_queries([]).shape == (0, 384)


@pytest.mark.model
@pytest.mark.parametrize("word", ["moscow", "weather", "putin", "biden", "scholz", "peskov"])
def test_the_export_knows_the_words_the_original_keeps_whole(
    minilm_embedder: Embedder, plain_embedder: SentenceTransformerEmbedder, word: str
) -> None:
    assert isinstance(minilm_embedder, OnnxEmbedder)
    assert minilm_embedder.knows_word(word) is plain_embedder.knows_word(word)
    assert minilm_embedder.knows_word(word) is (word in ("moscow", "weather", "putin"))


@pytest.mark.model
def test_a_later_start_loads_the_export_without_torch(
    model_cache: Path, minilm_embedder: Embedder
) -> None:
    code = (
        "import json, sys\nfrom pathlib import Path\n"
        "from embeddings.models.factory import load_embedder\n"
        f"e = load_embedder('all-MiniLM-L6-v2', Path({str(model_cache)!r}))\n"
        "v = e.encode_queries([sys.argv[1]])[0].tolist()\n"
        "print(json.dumps([type(e).__name__, 'torch' in sys.modules, v]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, TEXTS[0]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    kind, torch_loaded, vector = json.loads(result.stdout)
    assert (kind, torch_loaded) == ("OnnxEmbedder", False)
    assert np.allclose(vector, minilm_embedder.encode_queries(TEXTS[:1])[0], atol=1e-5)


@pytest.mark.model
def test_an_unreadable_export_is_made_again(
    model_cache: Path,
    minilm_embedder: Embedder,
    plain_embedder: SentenceTransformerEmbedder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    directory = _exported_to(tmp_path, _session_export(model_cache))
    (directory / "model.onnx").write_bytes(b"not a model")
    loads: list[str] = []

    def load_original(name: str = MINILM) -> SentenceTransformerEmbedder:
        loads.append(name)
        return plain_embedder

    monkeypatch.setattr(embedder_module, "load_sentence_transformer", load_original)
    with caplog.at_level(logging.WARNING):
        embedder = load_embedder(MINILM, tmp_path)
    assert "unreadable" in caplog.text
    assert isinstance(embedder, OnnxEmbedder) and loads == [MINILM]
    assert np.allclose(
        embedder.encode_queries(TEXTS[:1]), minilm_embedder.encode_queries(TEXTS[:1]), atol=1e-5
    )
    assert load_export(directory, MODEL_ID) is not None  # written again, whole


@pytest.mark.model
def test_a_new_export_removes_those_of_earlier_versions(
    plain_embedder: SentenceTransformerEmbedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    current = export_dir(tmp_path, MODEL_ID)
    assert current is not None
    models = current.parent
    older_export = current.name.rsplit("onnx", 1)[0] + "onnx0"
    for name in ["all-MiniLM-L6-v2-0.0.9-onnx1", older_export, "my-notes"]:
        (models / name).mkdir(parents=True)
        (models / name / "model.onnx").write_bytes(b"old")
    monkeypatch.setattr(embedder_module, "load_sentence_transformer", lambda _: plain_embedder)
    assert isinstance(load_embedder(MINILM, tmp_path), OnnxEmbedder)
    assert sorted(p.name for p in models.iterdir()) == sorted([current.name, "my-notes"])


@pytest.mark.model
def test_an_export_that_differs_from_the_original_is_not_kept(
    plain_embedder: SentenceTransformerEmbedder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(onnx_embedder, "TOLERANCE", -1.0)
    with caplog.at_level(logging.WARNING):
        assert export(plain_embedder, tmp_path / "export") is None
    assert "differs" in caplog.text
    assert list(tmp_path.iterdir()) == []


@pytest.mark.model
def test_a_cache_that_cannot_be_written_leaves_the_model_on_sentence_transformers(
    plain_embedder: SentenceTransformerEmbedder, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "cache").write_text("a file where the cache directory should be")
    directory = export_dir(tmp_path / "cache", MODEL_ID)
    assert directory is not None
    with caplog.at_level(logging.WARNING):
        assert export(plain_embedder, directory) is None
    assert "cannot write" in caplog.text


def test_only_the_bundled_model_is_exported(tmp_path: Path) -> None:
    assert export_dir(tmp_path, MODEL_ID) is not None
    assert export_dir(None, MODEL_ID) is None
    assert export_dir(tmp_path, "sentence-transformers/all-mpnet-base-v2") is None
    assert export_dir(tmp_path, str(tmp_path / "my-model")) is None
    assert load_export(tmp_path / "nothing-here", MODEL_ID) is None


@pytest.mark.model
def test_a_model_with_prompts_stays_on_sentence_transformers(
    plain_embedder: SentenceTransformerEmbedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(plain_embedder.model.prompts, "query", "query: ")
    assert export(plain_embedder, tmp_path / "export") is None
    assert list(tmp_path.iterdir()) == []
