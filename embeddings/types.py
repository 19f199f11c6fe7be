"""Array types shared by the core."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
"""(n, dim) float32 unit vectors, one row a text."""

Scores = npt.NDArray[np.float32]
"""(n,) float32 scores, one a paragraph or sentence."""
