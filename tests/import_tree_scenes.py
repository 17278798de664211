"""Import trees for the flame chart, the tooltip and the breakdown table's tests, the benchmark
and the screenshots: numpy's real import tree (``tests/data/numpy_import_tree.json``), trees
generated to size, and a scripted source that hands them out like ``WarmupController``.

numpy's tree was taken from ``python -X importtime -c "import numpy"`` (numpy 2.4, CPython
3.11, this machine; ``python tests/import_tree_scenes.py`` writes it again): the nesting, the
self and cumulative times are CPython's; start and end are laid out from them (children one after
the other from their parent's start, the parent's own time after its last child), since
``-X importtime`` gives no timestamps. Times in the file are seconds from the import's start.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
NUMPY_TREE_FILE = DATA / "numpy_import_tree.json"


def importtime_tree(module: str, python: str = sys.executable) -> list[dict[str, Any]]:
    """``module``'s import tree from ``-X importtime`` in a fresh process, in the agreed node
    shape (pre-order), times in seconds from 0, thread ``controller-io-0``."""
    out = subprocess.run([python, "-X", "importtime", "-c", f"import {module}"],
                         capture_output=True, text=True, check=True).stderr
    entries = []   # (depth, name, self_us, cum_us) in CPython's order: children first
    for line in out.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cum_us, name = line[len("import time:"):].split("|")
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2   # " " then two per level
        entries.append((depth, name.strip(), int(self_us), int(cum_us)))
    # The last top-level entry named ``module`` closes its subtree: everything before it back to
    # the previous top-level entry is its subtree.
    end = max(i for i, e in enumerate(entries) if e[0] == 0 and e[1] == module)
    begin = end
    while begin > 0 and entries[begin - 1][0] > 0:
        begin -= 1
    sub = entries[begin:end + 1]

    # Post-order -> nested: each entry's children are the deeper entries right before it.
    def build(lo: int, hi: int, depth: int) -> list[tuple]:   # entries[lo:hi] at >= depth
        nodes, i = [], lo
        while i < hi:
            j = i
            while sub[j][0] != depth:
                j += 1
            nodes.append((sub[j], build(i, j, depth + 1)))
            i = j + 1
        return nodes

    (root,) = build(0, len(sub), 0)
    tree: list[dict[str, Any]] = []

    def lay(item: tuple, parent: int | None, start: float) -> None:
        (depth, name, self_us, cum_us), kids = item
        index = len(tree)
        tree.append({"module": name, "parent": parent, "depth": depth, "start_ts": start,
                     "end_ts": start + cum_us / 1e6, "self_ms": self_us / 1000.0,
                     "cum_ms": cum_us / 1000.0, "cpu_ms": None, "thread_name": "controller-io-0",
                     "lock_waits": [], "error": None})
        t = start
        for kid in kids:
            lay(kid, index, t)
            t += kid[0][3] / 1e6
    lay(root, None, 0.0)
    return tree


def numpy_tree() -> list[dict[str, Any]]:
    """numpy's recorded tree (see the module docstring), times from 0."""
    return json.loads(NUMPY_TREE_FILE.read_text())


def place(tree: list[dict[str, Any]], start_ts: float, thread: str,
          stretch: float = 1.0) -> list[dict[str, Any]]:
    """A copy of ``tree`` (times from 0) starting at ``start_ts`` on ``thread``; ``stretch``
    scales its times (to fit a scripted canary's bar)."""
    out = []
    for node in tree:
        n = dict(node, thread_name=thread, lock_waits=[dict(w) for w in node["lock_waits"]])
        n["start_ts"] = start_ts + node["start_ts"] * stretch
        n["end_ts"] = None if node["end_ts"] is None else start_ts + node["end_ts"] * stretch
        n["self_ms"] = node["self_ms"] * stretch
        n["cum_ms"] = node["cum_ms"] * stretch
        out.append(n)
    return out


def synthetic_tree(module: str, nodes: int, depth: int, duration: float, start_ts: float = 0.0,
                   thread: str = "controller-io-0", seed: int = 1) -> list[dict[str, Any]]:
    """A tree of ``nodes`` modules at most ``depth`` deep spanning ``duration`` seconds: each
    node's children share its time one after the other, with random weights."""
    rng = random.Random(seed)
    tree: list[dict[str, Any]] = []

    def add(name: str, parent: int | None, d: int, start: float, dur: float, budget: int) -> None:
        index = len(tree)
        tree.append({"module": name, "parent": parent, "depth": d, "start_ts": start,
                     "end_ts": start + dur, "self_ms": dur * 1000.0, "cum_ms": dur * 1000.0,
                     "cpu_ms": dur * 900.0, "thread_name": thread, "lock_waits": [],
                     "error": None})
        if budget <= 0 or d >= depth:
            return
        k = min(budget, rng.randint(2, 6))
        weights = [rng.uniform(0.2, 1.0) for _ in range(k)]
        share = 0.85 * dur / sum(weights)
        left = budget - k
        t = start + 0.1 * dur
        for c, w in enumerate(weights):
            sub = left // k + (1 if c < left % k else 0)
            add(f"{name}.m{c}", index, d + 1, t, w * share, sub)
            t += w * share
        tree[index]["self_ms"] = (dur - 0.85 * dur) * 1000.0

    add(module, None, 0, start_ts, duration, nodes - 1)
    return tree


if __name__ == "__main__":
    DATA.mkdir(exist_ok=True)
    NUMPY_TREE_FILE.write_text(json.dumps(importtime_tree("numpy"), indent=0) + "\n")
    print(f"wrote {NUMPY_TREE_FILE}")
