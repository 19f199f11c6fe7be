"""Print pip constraints pinning every direct dependency of pyproject.toml (the project's
and its `dev` extra's) to the lowest version it allows: `name>=X` (or `name==X`) becomes
`name==X`."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

project = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))["project"]
requirements = project["dependencies"] + project["optional-dependencies"]["dev"]
for requirement in requirements:
    floor = re.match(r"^([A-Za-z0-9_.\-\[\]]+)\s*(?:>=|==)\s*([^,;\s]+)", requirement)
    if floor is None:
        raise SystemExit(f"pyproject.toml: {requirement!r} has no lower bound (>= or ==)")
    name = floor.group(1).split("[")[0]
    print(f"{name}=={floor.group(2)}")
