"""One canary's import tree as rows and text: the breakdown table's rows, the tooltip's five
costliest sub-imports and lock waits, a tree node's tooltip. Pure Python: no numpy, no imgui.

A tree is what ``WarmupController.import_tree(canary_id)`` returns: a flat list in pre-order
(a parent before its children, children in start order), node 0 the canary's own module, each
node ``{"module", "parent", "depth", "start_ts", "end_ts", "self_ms", "cum_ms", "cpu_ms",
"self_cpu_ms",
"thread_name", "lock_waits": [{"module", "holder", "wait_ms"}], "error"}``.

Quick start::

    tree = controller.import_tree(canary_id)          # None when recording was off
    rows = tree_rows(tree)                            # once per tree
    view = TreeTableView(sort_column="self")          # siblings sorted, the tree kept
    for row in view.visible(rows):
        print("  " * row.depth + row.module, fmt_ms(row.self_ms), fmt_ms(row.cum_ms))
    print("\\n".join(costliest_lines(tree)))          # the canary tooltip's block
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from ..core.errors import short_error
from .canary_rows import fmt_ms

__all__ = [
    "TREE_COLUMNS",
    "TreeRow",
    "TreeTableView",
    "check_tree",
    "costliest",
    "costliest_lines",
    "lock_waits",
    "node_tooltip",
    "sort_tree_rows",
    "tree_rows",
    "waited_most",
]

# Sortable columns of the breakdown table: "tree" is the recorded order (start order).
TREE_COLUMNS: tuple[str, ...] = ("tree", "module", "self", "own", "cum", "cpu", "wait")

TOP_N = 5  # sub-imports in a canary's tooltip


def check_tree(tree: Any, what: str = "tree") -> list[dict[str, Any]]:
    """``tree`` as a list of nodes, checked for what the views rely on.

    Raises:
        TypeError: not a list of dicts.
        ValueError: a node's ``parent`` does not point at an earlier node, or a missing key;
            the message names the node and what was wrong.
    """
    if not isinstance(tree, (list, tuple)):
        raise TypeError(f"{what}: expected a list of import-tree nodes, got {type(tree).__name__}")
    for i, node in enumerate(tree):
        if not isinstance(node, dict):
            raise TypeError(f"{what}[{i}]: expected a dict, got {type(node).__name__}")
        for key in ("module", "self_ms", "cum_ms"):
            if key not in node:
                raise ValueError(f"{what}[{i}] ({node.get('module', '?')!r}): no {key!r} key")
        parent = node.get("parent")
        if i == 0 and parent is not None:
            raise ValueError(f"{what}[0] ({node['module']!r}): node 0 is the root, its parent "
                             f"must be None, got {parent!r}")
        if i > 0 and not (isinstance(parent, int) and 0 <= parent < i):
            raise ValueError(f"{what}[{i}] ({node['module']!r}): parent must be the index of an "
                             f"earlier node (pre-order), got {parent!r}")
    return list(tree)


def _wait_ms(node: dict[str, Any]) -> float:
    return float(sum(w.get("wait_ms") or 0.0 for w in node.get("lock_waits") or ()))


@dataclass(frozen=True, slots=True)
class TreeRow:
    """One node of a canary's import tree, as the breakdown table shows it."""

    index: int                 # the node's index in the tree (pre-order)
    parent: int | None
    depth: int
    module: str
    self_ms: float
    cum_ms: float
    cpu_ms: float | None
    own_ms: float | None       # the CPU of its own code (self_cpu_ms); far below self_ms: waited
    wait_ms: float             # sum of this node's lock waits
    waits: str                 # "numpy (controller-io-1) 120.0 ms; ..." or ""
    error: str                 # one short line, or ""
    has_children: bool


def tree_rows(tree: Sequence[dict[str, Any]]) -> list[TreeRow]:
    """The rows of ``tree`` in tree order (checked with ``check_tree``)."""
    nodes = check_tree(tree)
    has_children = [False] * len(nodes)
    for node in nodes[1:]:
        has_children[node["parent"]] = True
    rows = []
    for i, n in enumerate(nodes):
        waits = n.get("lock_waits") or ()
        rows.append(TreeRow(
            index=i, parent=n.get("parent"), depth=int(n.get("depth") or 0), module=n["module"],
            self_ms=float(n["self_ms"] or 0.0), cum_ms=float(n["cum_ms"] or 0.0),
            cpu_ms=None if n.get("cpu_ms") is None else float(n["cpu_ms"]),
            own_ms=None if n.get("self_cpu_ms") is None else float(n["self_cpu_ms"]),
            wait_ms=_wait_ms(n),
            waits="; ".join(f"{w.get('module', '?')} ({w.get('holder') or '?'}) "
                            f"{fmt_ms(w.get('wait_ms'))}" for w in waits),
            error=short_error(n.get("error")) or "",
            has_children=has_children[i],
        ))
    return rows


_KEYS = {
    "tree": lambda r: r.index,
    "module": lambda r: r.module.lower(),
    "self": lambda r: r.self_ms,
    "cum": lambda r: r.cum_ms,
    "own": lambda r: -1.0 if r.own_ms is None else r.own_ms,
    "cpu": lambda r: -1.0 if r.cpu_ms is None else r.cpu_ms,
    "wait": lambda r: r.wait_ms,
}


def sort_tree_rows(rows: Sequence[TreeRow], column: str, ascending: bool = True) -> list[TreeRow]:
    """The rows with each node's children sorted by ``column``; the tree stays a tree (a child
    right under its parent, indented), so "cum, descending" reads as a profiler's call tree.

    Raises:
        ValueError: an unknown column.
    """
    try:
        key = _KEYS[column]
    except KeyError:
        raise ValueError(
            f"sort_tree_rows(): unknown column {column!r}; expected one of {TREE_COLUMNS}") from None
    children: dict[int | None, list[TreeRow]] = {}
    for row in rows:
        children.setdefault(row.parent, []).append(row)
    for kids in children.values():
        kids.sort(key=lambda r: r.index)          # ties keep the recorded order
        kids.sort(key=key, reverse=not ascending)
    out: list[TreeRow] = []
    stack = list(reversed(children.get(None, [])))
    while stack:                                  # iterative: a deep tree never hits recursion
        row = stack.pop()
        out.append(row)
        stack.extend(reversed(children.get(row.index, [])))
    return out


@dataclass
class TreeTableView:
    """The breakdown table's sort; the caller owns it. ``visible()`` caches the sorted rows until
    the rows list (by identity) or the sort changes."""

    sort_column: str = "tree"
    ascending: bool = True
    _key: tuple[Any, ...] = field(default=(), repr=False, compare=False)
    _rows: list[TreeRow] = field(default_factory=list, repr=False, compare=False)
    _source: Any = field(default=None, repr=False, compare=False)

    def visible(self, rows: Sequence[TreeRow]) -> list[TreeRow]:
        key = (len(rows), self.sort_column, self.ascending)
        if rows is not self._source or key != self._key:
            self._rows = sort_tree_rows(rows, self.sort_column, self.ascending)
            self._source, self._key = rows, key
        return self._rows


def costliest(tree: Sequence[dict[str, Any]], n: int = TOP_N) -> list[dict[str, Any]]:
    """The ``n`` sub-imports (node 0 excluded) with the most time of their own (``self_ms``),
    costliest first; ties keep tree order. Own time, not cumulative: ranking by cumulative
    would list a chain of parents that each only import the one slow module."""
    if n < 0:
        raise ValueError(f"costliest(): n must be >= 0, got {n!r}")
    subs = list(enumerate(tree))[1:]
    subs.sort(key=lambda p: (-(p[1].get("self_ms") or 0.0), p[0]))
    return [node for _, node in subs[:n]]


def waited_most(node: dict[str, Any]) -> bool:
    """Whether most of ``node``'s self time was waiting, not its code running: its own CPU
    (``self_cpu_ms``, when recorded) is under half its self time, by more than 1 ms."""
    self_ms, cpu = node.get("self_ms"), node.get("self_cpu_ms")
    if self_ms is None or cpu is None:
        return False
    return bool(self_ms - cpu > max(1.0, 0.5 * self_ms))


def lock_waits(tree: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every lock wait in ``tree``, longest first, each with ``"in"``: the node that waited."""
    out = [dict(w, **{"in": node["module"]})
           for node in tree for w in (node.get("lock_waits") or ())]
    out.sort(key=lambda w: -(w.get("wait_ms") or 0.0))
    return out


def costliest_lines(tree: Sequence[dict[str, Any]] | None, n: int = TOP_N) -> list[str]:
    """The canary tooltip's import-tree block: its ``n`` costliest sub-imports (own and
    cumulative time) and its lock waits. Empty for a tree of one module or no tree."""
    if not tree:
        return []
    lines = []
    top = costliest(tree, n)
    if top:
        width = max(len(node["module"]) for node in top)
        cpu = any(node.get("self_cpu_ms") is not None for node in top)
        lines.append(f"Costliest sub-imports (self / cum{' / own work' if cpu else ''}), "
                     f"of {len(tree) - 1}:")
        for node in top:
            own = f" / {fmt_ms(node.get('self_cpu_ms')):>9}" if cpu else ""
            lines.append(f"  {node['module']:<{width}}  {fmt_ms(node.get('self_ms')):>9} / "
                         f"{fmt_ms(node.get('cum_ms')):>9}{own}".rstrip())
        if any(waited_most(node) for node in top):
            lines.append("  (self far above own work: it mostly waited, its code is not the "
                         "cost)")
    waits = lock_waits(tree)
    if waits:
        total = sum(w.get("wait_ms") or 0.0 for w in waits)
        lines.append(f"Lock waits: {len(waits)}, {fmt_ms(total)} in all")
        for w in waits[:n]:
            lines.append(f"  waited {fmt_ms(w.get('wait_ms'))} for {w.get('module', '?')}, "
                         f"held by {w.get('holder') or '?'}")
        if len(waits) > n:
            lines.append(f"  ... and {len(waits) - n} more (the breakdown table lists them)")
    return lines


def node_tooltip(node: dict[str, Any], parent_module: str | None = None) -> str:
    """A tree node's tooltip: module, who imported it, own and cumulative time, CPU, lock
    waits, error."""
    lines = [node["module"]]
    if parent_module is not None:
        lines.append(f"imported by: {parent_module} (depth {node.get('depth', '?')})")
    lines.append(f"self:  {fmt_ms(node.get('self_ms'))}   cum: {fmt_ms(node.get('cum_ms'))}")
    if node.get("self_cpu_ms") is not None:
        lines.append(f"own work: {fmt_ms(node['self_cpu_ms'])} CPU"
                     + (" (it mostly waited)" if waited_most(node) else ""))
    if node.get("cpu_ms") is not None:
        lines.append(f"cpu:   {fmt_ms(node['cpu_ms'])} (thread CPU, with children)")
    if node.get("thread_name"):
        lines.append(f"thread: {node['thread_name']}")
    for w in node.get("lock_waits") or ():
        lines.append(f"waited {fmt_ms(w.get('wait_ms'))} for {w.get('module', '?')}, "
                     f"held by {w.get('holder') or '?'}")
    if node.get("error"):
        lines.append(f"error: {short_error(node['error'])}")
    return "\n".join(lines)
