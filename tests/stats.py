"""Figures that tests record (examples tried, load results), printed at the end of the run."""

from __future__ import annotations

from collections import Counter
from typing import Any

examples: Counter[str] = Counter()
"""How many generated examples each property test ran."""

figures: dict[str, Any] = {}
"""Measured figures, such as the load test's latencies."""
