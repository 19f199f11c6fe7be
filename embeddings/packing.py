"""Vectors made compact for keeping in a database: int8, with a scale per row.

Each row is divided by its largest absolute value over 127 and rounded; unpacking
multiplies back and makes the row unit length again. A row of 384 floats takes 388
bytes instead of 1,536; the cosines it gives differ from the float32 ones by about 0.002
(docs/experiments.md, "Vectors in the database").
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from embeddings.types import Vectors

SCALE_BYTES = 4


Int8Rows = tuple[npt.NDArray[np.float32], npt.NDArray[np.int8]]
"""Vectors kept as int8: each row's scale (n,), and its values (n, dim)."""


def quantize(vectors: npt.NDArray[np.floating]) -> Int8Rows:
    """`vectors` (n, dim) as a scale per row and int8 values."""
    rows = np.asarray(vectors, dtype=np.float32)
    rows = rows.reshape(len(rows), rows.shape[-1] if rows.ndim > 1 else -1)
    scales = np.abs(rows).max(axis=1) / 127 if rows.size else np.zeros(len(rows), np.float32)
    scales = np.where(scales > 0, scales, 1).astype(np.float32)
    values = np.clip(np.rint(rows / scales[:, None]), -127, 127).astype(np.int8)
    return scales, values


def unit_scales(values: npt.NDArray[np.int8]) -> npt.NDArray[np.float32]:
    """Scales that make each row of int8 values unit length (a cosine is then
    `values @ query * scale`), computed a block of rows at a time."""
    norms = np.empty(len(values), dtype=np.float32)
    for start in range(0, len(values), 4096):
        block = values[start : start + 4096].astype(np.float32)
        norms[start : start + 4096] = np.sqrt(np.einsum("ij,ij->i", block, block))
    return np.asarray(np.where(norms > 0, 1 / np.where(norms > 0, norms, 1), 0), np.float32)


def pack(vectors: npt.NDArray[np.floating]) -> bytes:
    """`vectors` (n, dim) as bytes: n float32 scales, then n x dim int8 values."""
    scales, values = quantize(vectors)
    return scales.astype("<f4").tobytes() + values.tobytes()


def split(data: bytes, dim: int) -> Int8Rows:
    """The scales and int8 values `pack` kept, not made float; ValueError if `data` does
    not hold whole rows of `dim`, or a scale is not finite."""
    row = SCALE_BYTES + dim
    if dim <= 0 or len(data) % row:
        raise ValueError(f"{len(data)} bytes are not whole rows of {dim} values")
    n = len(data) // row
    scales = np.frombuffer(data, dtype="<f4", count=n).astype(np.float32)
    if not np.all(np.isfinite(scales)):
        raise ValueError("a scale is not a finite number")
    return scales, np.frombuffer(data, dtype=np.int8, offset=n * SCALE_BYTES).reshape(n, dim)


def unpack(data: bytes, dim: int) -> Vectors:
    """The unit vectors `pack` kept, as float32 (n, dim) (see `split`)."""
    scales, values = split(data, dim)
    vectors = values.astype(np.float32) * scales[:, None]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.where(norms > 0, norms, 1), dtype=np.float32)
