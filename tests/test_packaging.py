"""Packaging tells the truth: what pyproject.toml declares is what the tests run on.

- The suite runs on the lowest imgui-bundle that pyproject.toml allows: ``./dev test`` installs
  with ``.ci/floor-constraints.txt``, and the pins there must be the declared floors.
- A plain ``pip install`` of the built wheel (no extras, into a fresh venv, dependencies resolved
  by pip) runs the demo from another folder, screenshot included, with numpy warmed on a worker;
  and ``import imwarmup`` there still imports no numpy.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import struct
import subprocess
import sys
import textwrap
import time
import tomllib
from pathlib import Path

import pytest
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


# ---------------------------------------------------- a plain pip install of the wheel runs
def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without what would let the repo or the test venv leak in."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    env.update(extra)
    return env


def _run(cmd: list[str], what: str, timeout: float, **kwargs) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"{what}: no result within {timeout}s: {exc.stderr!r}") from None
    assert proc.returncode == 0, f"{what} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def plain_venv(tmp_path_factory) -> Path:
    """A fresh venv holding only the built wheel and what pip resolves for it (no extras).

    Built once per module: wheel (~2 s, pip fetches hatchling), venv (~4 s), install (~2-5 s:
    imgui-bundle and numpy from pip's cache or PyPI).
    """
    base = tmp_path_factory.mktemp("plain-install")
    dist, venv = base / "dist", base / "venv"
    started = time.monotonic()
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
         "building the wheel", 300, env=_clean_env(), cwd=base)
    wheels = list(dist.glob("imwarmup-*.whl"))
    assert len(wheels) == 1, f"expected one imwarmup wheel in {dist}, found {wheels}"
    _run([sys.executable, "-m", "venv", str(venv)], "creating the venv", 120, cwd=base)
    python = venv / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "-q", str(wheels[0])],
         "pip install of the wheel into a fresh venv", 600, env=_clean_env(), cwd=base)
    print(f"plain venv ready in {time.monotonic() - started:.1f}s")
    return python


def test_plain_install_resolves_the_declared_dependencies(plain_venv):
    out = _run([str(plain_venv), "-c", textwrap.dedent("""
        import importlib.metadata as md, json
        print(json.dumps({n: md.version(n) for n in ("imwarmup", "imgui-bundle", "numpy")}))
        """)], "reading installed versions", 60, env=_clean_env(), cwd=plain_venv.parents[2]).stdout
    versions = json.loads(out.strip().splitlines()[-1])
    for name, req in declared_requirements().items():
        assert req.specifier.contains(versions[name]), (
            f"pip resolved {name} {versions[name]}, outside the declared {name}{req.specifier}")


def test_plain_install_import_imwarmup_imports_no_numpy(plain_venv):
    code = textwrap.dedent("""
        import json, sys

        attempted = []

        class Recorder:
            def find_spec(self, name, path=None, target=None):
                attempted.append(name)
                return None

        sys.meta_path.insert(0, Recorder())
        import imwarmup
        print(json.dumps({"file": imwarmup.__file__, "attempted": attempted,
                          "loaded": sorted(sys.modules)}))
        """)
    out = _run([str(plain_venv), "-c", code], "import imwarmup", 60, env=_clean_env(),
               cwd=plain_venv.parents[2]).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert Path(result["file"]).is_relative_to(plain_venv.parents[1]), (
        f"imwarmup came from {result['file']}, not from the plain venv")
    for heavy in ("numpy", "imgui_bundle"):
        assert not [n for n in result["attempted"] + result["loaded"]
                    if n == heavy or n.startswith(heavy + ".")], f"import imwarmup attempted {heavy}"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_plain_install_runs_the_demo_and_saves_a_screenshot(plain_venv, virtual_display, tmp_path):
    """The user's command, from a folder that is not the repo, with the chart open too."""
    from PIL import Image

    from imwarmup.testing.pixels import count_color, rgb255
    from imwarmup.theme import PALETTES, Role

    out = tmp_path / "X.png"
    cmd = [str(plain_venv), "-m", "imwarmup", "--screenshot", str(out), "--exit-after", "4",
           "--open-diagnostics", "--window-size", "1000x700"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env=_clean_env(), start_new_session=True)
    log = proc.stderr
    assert proc.returncode == 0, f"{' '.join(cmd)} exited {proc.returncode}:\n{log[-3000:]}"
    assert re.search(r"^\[warmup \d+\] numpy on controller-io-\d+ ", log, re.M), (
        f"the demo's numpy canary did not complete on a worker:\n{log[-3000:]}")
    assert "FAILED" not in log and re.search(r"^\[warmup done\] \d+ modules: \d+ completed, 0 failed",
                                             log, re.M), f"a canary failed:\n{log[-3000:]}"
    assert "MainThreadImportWarning" not in log and "Traceback" not in log, log[-3000:]

    assert _png_size(out) == (1000, 700)
    image = Image.open(out).convert("RGB")
    green = rgb255(PALETTES["dark"][Role.READY])
    assert count_color(image, green, (0, 670, 30, 700)) >= 20, "no green status dot"
    # The diagnostics window is open over the top half: its Gantt chart (implot, numpy) drew
    # completed bars.
    assert count_color(image, green, (100, 150, 900, 300)) >= 500, "no green bars in the chart"
