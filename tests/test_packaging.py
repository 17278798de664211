"""Packaging tells the truth: what pyproject.toml declares is what the tests run on.

- The suite runs on the lowest imgui-bundle that pyproject.toml allows: ``./dev test`` installs
  with ``.ci/floor-constraints.txt``, and the pins there must be the declared floors.
"""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
FLOOR_PINS = ROOT / ".ci" / "floor-constraints.txt"
FIX_HINT = ("run ./dev test (it reinstalls .venv with .ci/floor-constraints.txt), or "
            ".venv/bin/python -m pip install -c .ci/floor-constraints.txt -e '.[test]'")


def declared_requirements() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = (Requirement(text) for text in project["dependencies"])
    return {req.name.lower(): req for req in reqs}


def declared_floor(name: str) -> str:
    """The ``>=`` version pyproject.toml declares for ``name``."""
    floors = [spec.version for spec in declared_requirements()[name].specifier if spec.operator == ">="]
    assert len(floors) == 1, f"pyproject.toml: {name} needs exactly one '>=' floor, has {floors}"
    return floors[0]


def floor_pins() -> dict[str, str]:
    pins = {}
    for line in FLOOR_PINS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"{FLOOR_PINS.name}: expected 'name==version', got {line!r}"
            pins[name.strip().lower()] = version.strip()
    return pins


# ------------------------------------------------------------------- the floor is what we test
def test_imgui_bundle_has_a_floor_and_a_cap():
    spec = declared_requirements()["imgui-bundle"].specifier
    assert any(s.operator == ">=" for s in spec) and any(s.operator == "<" for s in spec), (
        f"pyproject.toml: imgui-bundle{spec} should be '>=FLOOR,<NEXT_MINOR': only versions CI "
        "has run are declared"
    )


def test_floor_pins_are_the_declared_floors():
    pins = floor_pins()
    assert "imgui-bundle" in pins, f"{FLOOR_PINS} must pin imgui-bundle to its declared floor"
    for name, version in pins.items():
        assert name in declared_requirements(), (
            f"{FLOOR_PINS.name} pins {name}, which pyproject.toml does not depend on")
        assert version == declared_floor(name), (
            f"{FLOOR_PINS.name} pins {name}=={version} but pyproject.toml's floor is "
            f"{declared_floor(name)}: change one to match the other, then {FIX_HINT}"
        )


def test_the_suite_runs_on_the_declared_imgui_bundle_floor():
    floor = declared_floor("imgui-bundle")
    installed = importlib.metadata.version("imgui-bundle")
    assert installed == floor, (
        f"the tests run on imgui-bundle {installed}, but pyproject.toml declares >={floor}: "
        f"CI must prove the floor works; {FIX_HINT}"
    )
