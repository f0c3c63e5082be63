"""The environments agree: Binder builds what the root environment.yml and constraints.txt say."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pins(text: str) -> dict[str, str]:
    pins = {}
    for match in re.finditer(r"^\s*-?\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?==([^\s#]+)", text, re.M):
        pins[match.group(1).lower().replace("_", "-")] = match.group(3)
    return pins


def _body(path: Path) -> str:
    return "\n".join(line for line in path.read_text().splitlines() if not line.startswith("#"))


def test_binder_environment_is_the_root_environment() -> None:
    assert _body(ROOT / "binder" / "environment.yml") == _body(ROOT / "environment.yml")


def test_environment_pins_match_constraints() -> None:
    env = _pins((ROOT / "environment.yml").read_text())
    constraints = _pins((ROOT / "constraints.txt").read_text())
    assert env, "environment.yml pins nothing"
    for name, version in env.items():
        assert constraints.get(name) == version, (
            f"{name}: environment.yml {version}, constraints.txt {constraints.get(name)}"
        )
