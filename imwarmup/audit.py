"""Static main-thread import audit: which heavy modules does importing an entry module pull in?

Quick start::

    python -m imwarmup.audit app.main                      # scan ./ for the app's own modules
    python -m imwarmup.audit app/main.py --path src --heavy numpy,google.genai
    python -m imwarmup.audit app.main --json               # machine output

It parses (never imports) the entry and every project module reachable from it through
module-level imports (``import``/``from ... import``, relative ones too, and
``importlib.import_module("literal")``/``__import__("literal")`` calls), and reports:

- **import time**: a heavy module reachable when the entry is imported, with its chain
  (``app.main -> app.gui -> app.plots -> numpy``) and the file and line of the last import;
- **function body**: a heavy import inside a function of a reachable module (directly, or
  through a project module it imports); it runs on whatever thread calls the function.

"Project modules" are the ``.py`` files under ``--path`` (the current directory by default); other
modules are not followed. ``if TYPE_CHECKING:`` blocks are skipped (they never run) and
``if __name__ == "__main__":`` blocks count only in the entry module.

Default heavy list (:data:`imwarmup.core.purity.DEFAULT_HEAVY`): numpy, pandas, scipy, torch,
matplotlib, google.genai, openai, anthropic. A name covers its submodules.

Exit status: 0 clean, 1 violations found, 2 bad usage (unknown entry, unreadable file, syntax
error in a scanned file, a relative import above the top-level package); the message names the
file.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Sequence

from imwarmup.core.purity import DEFAULT_HEAVY

__all__ = ["AuditError", "Audit", "ImportSite", "run_audit", "main"]


class AuditError(Exception):
    """Bad usage or an unscannable project (exit status 2); the message names the file."""


@dataclass(frozen=True)
class ImportSite:
    """One import found in a module's source.

    Attributes:
        module: the absolute name of the module imported (relative imports resolved).
        line: the line of the import statement.
        function: the qualified name of the enclosing function, or None at import time.
    """

    module: str
    line: int
    function: str | None = None


@dataclass
class _ModuleInfo:
    name: str
    file: str
    is_package: bool
    module_level: list[ImportSite] = field(default_factory=list)
    in_functions: list[ImportSite] = field(default_factory=list)


@dataclass
class Audit:
    """The result of :func:`run_audit`.

    Attributes:
        entry: the entry module's name.
        roots: the directories scanned for project modules.
        heavy: the heavy module names.
        scanned: the project modules parsed, in visiting order.
        violations: one dict per finding (see :func:`run_audit`).
    """

    entry: str
    roots: list[str]
    heavy: list[str]
    scanned: list[str]
    violations: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "entry": self.entry,
            "paths": self.roots,
            "heavy": self.heavy,
            "scanned": self.scanned,
            "violations": self.violations,
            "clean": not self.violations,
        }


# ------------------------------------------------------------------------------- project scan
class _Project:
    """Finds, parses and caches the project's modules under the given roots."""

    def __init__(self, roots: list[str], entry_name: str, heavy: list[str]) -> None:
        self.roots = roots
        self.heavy = heavy
        self.entry_name = entry_name
        self._cache: dict[str, _ModuleInfo | None] = {}

    def find(self, name: str) -> tuple[str, bool] | None:
        """(file, is_package) of project module ``name``, or None if it is not the project's."""
        parts = name.split(".")
        for root in self.roots:
            base = os.path.join(root, *parts)
            init = os.path.join(base, "__init__.py")
            if os.path.isfile(init):
                return init, True
            if os.path.isfile(base + ".py"):
                return base + ".py", False
        return None

    def module(self, name: str) -> _ModuleInfo | None:
        if name not in self._cache:
            found = self.find(name)
            self._cache[name] = None if found is None else self._parse(name, *found)
        return self._cache[name]

    def _parse(self, name: str, file: str, is_package: bool) -> _ModuleInfo:
        try:
            with open(file, "rb") as f:
                source = f.read()
        except OSError as exc:
            raise AuditError(f"cannot read {file} (module {name}): {exc.strerror or exc}") from exc
        try:
            tree = ast.parse(source, filename=file)
        except SyntaxError as exc:
            raise AuditError(
                f"syntax error in {file}:{exc.lineno} (module {name}): {exc.msg}; fix it, or "
                f"narrow --path so the file is not scanned"
            ) from exc
        except ValueError as exc:  # null bytes, undecodable source
            raise AuditError(f"cannot parse {file} (module {name}): {exc}") from exc
        info = _ModuleInfo(name, file, is_package)
        package = name if is_package else name.rpartition(".")[0]
        _Collector(info, package, run_as_main=name == self.entry_name).visit(tree)
        return info


class _Collector(ast.NodeVisitor):
    """Collects the imports of one module, split into import-time and function-body ones."""

    def __init__(self, info: _ModuleInfo, package: str, run_as_main: bool) -> None:
        self.info = info
        self.package = package
        self.run_as_main = run_as_main
        self.scope: list[str] = []  # enclosing class and function names
        self.depth_in_functions = 0

    def _add(self, module: str, line: int) -> None:
        function = ".".join(self.scope) if self.depth_in_functions else None
        site = ImportSite(module, line, function)
        (self.info.in_functions if function else self.info.module_level).append(site)

    def _resolve(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        parts = self.package.split(".") if self.package else []
        if node.level - 1 > len(parts) - 1 or not parts:
            raise AuditError(
                f"{self.info.file}:{node.lineno}: relative import "
                f"'from {'.' * node.level}{node.module or ''} import ...' goes above the top-level "
                f"package of {self.info.name}; is --path the directory that contains the "
                f"top-level package?"
            )
        base = parts[: len(parts) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = self._resolve(node)
        if base:
            self._add(base, node.lineno)
        for alias in node.names:
            if alias.name != "*":
                # `from pkg import name` imports pkg.name when it is a submodule; it is marked as a
                # candidate and kept only if it is a project module or a heavy name (see _edges).
                self._add(f"{base}.{alias.name}" if base else alias.name, node.lineno)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        dynamic = (
            (isinstance(func, ast.Attribute) and func.attr == "import_module"
             and isinstance(func.value, ast.Name) and func.value.id == "importlib")
            or (isinstance(func, ast.Name) and func.id in ("__import__", "import_module"))
        )
        if dynamic and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str) and not node.args[0].value.startswith("."):
            self._add(node.args[0].value, node.lineno)
        self.generic_visit(node)

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        # Decorators and defaults run when the def runs: at import time for a module-level def.
        for expr in [*getattr(node, "decorator_list", []), *node.args.defaults,
                     *[d for d in node.args.kw_defaults if d is not None]]:
            self.visit(expr)
        self.scope.append(getattr(node, "name", "<lambda>"))
        self.depth_in_functions += 1
        for stmt in node.body if isinstance(node.body, list) else [node.body]:
            self.visit(stmt)
        self.depth_in_functions -= 1
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _visit_function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        # A class body runs when the class statement runs; its methods only when called.
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for stmt in node.orelse:
                self.visit(stmt)
            return
        if _is_main_guard(node.test) and not self.run_as_main and not self.depth_in_functions:
            for stmt in node.orelse:
                self.visit(stmt)
            return
        self.generic_visit(node)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
        and test.left.id == "__name__" and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value == "__main__"
    )


# ---------------------------------------------------------------------------------- analysis
def _heavy_match(name: str, heavy: Sequence[str]) -> str | None:
    for root in heavy:
        if name == root or name.startswith(root + "."):
            return root
    return None


def _with_parents(name: str) -> list[str]:
    """``a.b.c`` -> ``["a", "a.b", "a.b.c"]``: importing a submodule runs every parent first."""
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _edges(project: _Project, info: _ModuleInfo, sites: list[ImportSite]):
    """Yield (site, target, kind): kind is "project" (follow it) or "heavy" (report it)."""
    heavy = project.heavy
    for site in sites:
        for name in _with_parents(site.module):
            if project.module(name) is not None:
                if name != info.name:
                    yield site, name, "project"
            elif _heavy_match(name, heavy):
                yield site, name, "heavy"
                break  # numpy covers numpy.linalg: one report per import


def run_audit(
    entry: str,
    paths: Sequence[str] | None = None,
    heavy: Sequence[str] = DEFAULT_HEAVY,
    *,
    function_bodies: bool = True,
) -> Audit:
    """Audit ``entry`` statically.

    Args:
        entry: a module name (``app.main``) or a ``.py`` file; a file under one of ``paths``
            gets its dotted name from its place there.
        paths: directories holding the project's top-level modules and packages; the current
            directory by default.
        heavy: the heavy module names; each covers its submodules.
        function_bodies: also report heavy imports inside function bodies.

    Returns:
        An :class:`Audit`. Each violation is ``{"kind": "import-time" | "function-body",
        "module", "chain", "file", "line", "function"}``: ``chain`` runs from the entry (or,
        for function bodies, from the function's module) to the heavy module.

    Raises:
        AuditError: unknown entry, a missing ``--path`` directory, an unreadable file, a syntax
            error, or a relative import above the top-level package.
    """
    roots = [os.path.abspath(p) for p in (paths or [os.getcwd()])]
    for root in roots:
        if not os.path.isdir(root):
            raise AuditError(f"--path {root} is not a directory")
    heavy = list(heavy)
    entry_name = _entry_name(entry, roots)
    project = _Project(roots, entry_name, heavy)
    if project.find(entry_name) is None:
        where = ", ".join(roots)
        raise AuditError(
            f"unknown entry {entry!r}: no {entry_name.replace('.', os.sep)}.py or "
            f"{entry_name.replace('.', os.sep)}{os.sep}__init__.py under {where}; pass a module "
            f"name importable from --path, or a .py file"
        )

    # Breadth first from the entry over module-level imports: `parent` gives the shortest chain.
    # Running `app.main` also runs the `app` package first, so the entry's parents are reachable.
    parent: dict[str, tuple[str, ImportSite] | None] = {entry_name: None}
    order: list[str] = []
    queue = deque([entry_name])
    violations: list[dict[str, Any]] = []
    reported: set[tuple[str, str, int]] = set()
    entry_info = project.module(entry_name)
    assert entry_info is not None
    for name in _with_parents(entry_name)[:-1]:
        if project.module(name) is not None and name not in parent:
            parent[name] = (entry_name, ImportSite(name, 0))
            queue.append(name)

    def chain_to(name: str) -> list[str]:
        chain = [name]
        while parent.get(chain[-1]) is not None:
            chain.append(parent[chain[-1]][0])  # type: ignore[index]
        return chain[::-1]

    while queue:  # a cycle meets an already-visited module and stops there
        name = queue.popleft()
        info = project.module(name)
        assert info is not None
        order.append(name)
        for site, target, kind in _edges(project, info, info.module_level):
            if kind == "project":
                if target not in parent:
                    parent[target] = (name, site)
                    queue.append(target)
            elif (target, info.file, site.line) not in reported:
                reported.add((target, info.file, site.line))
                violations.append({
                    "kind": "import-time",
                    "module": target,
                    "chain": chain_to(name) + [target],
                    "file": info.file,
                    "line": site.line,
                    "function": None,
                })

    if function_bodies:
        for name in order:
            info = project.module(name)
            assert info is not None
            for site, target, kind in _edges(project, info, info.in_functions):
                if kind == "heavy":
                    hits = [([name, target], info.file, site.line)]
                else:  # a project module imported in a function: what does it pull in?
                    hits = [([name] + chain, file, line)
                            for chain, file, line in _heavy_reachable(project, target)]
                for chain, file, line in hits:
                    key = (chain[-1], f"{info.file}:{site.function}", site.line)
                    if key in reported:
                        continue
                    reported.add(key)
                    violations.append({
                        "kind": "function-body",
                        "module": chain[-1],
                        "chain": chain,
                        "file": info.file,
                        "line": site.line,
                        "function": f"{name}.{site.function}",
                        "heavy_import_at": f"{file}:{line}",
                    })
    return Audit(entry_name, roots, heavy, order, violations)


def _heavy_reachable(project: _Project, start: str) -> list[tuple[list[str], str, int]]:
    """Heavy imports reachable at import time from project module ``start``: (chain, file, line)."""
    parent: dict[str, str | None] = {start: None}
    queue = deque([start])
    found = []
    while queue:
        name = queue.popleft()
        info = project.module(name)
        assert info is not None
        for site, target, kind in _edges(project, info, info.module_level):
            if kind == "project":
                if target not in parent:
                    parent[target] = name
                    queue.append(target)
            else:
                chain = [target, name]
                while parent[chain[-1]] is not None:
                    chain.append(parent[chain[-1]])  # type: ignore[arg-type]
                found.append((chain[::-1], info.file, site.line))
    return found


def _entry_name(entry: str, roots: list[str]) -> str:
    """The dotted module name of ``entry`` (a module name or a path to a .py file)."""
    if not isinstance(entry, str) or not entry:
        raise AuditError(f"the entry must be a module name or a .py file, got {entry!r}")
    looks_like_file = entry.endswith(".py") or os.sep in entry or (os.altsep or "\0") in entry
    if not looks_like_file:
        if not all(part.isidentifier() for part in entry.split(".")):
            raise AuditError(f"unknown entry {entry!r}: not a dotted module name or a .py file")
        return entry
    path = os.path.abspath(entry)
    if os.path.isdir(path):
        path = os.path.join(path, "__init__.py")
    if not os.path.isfile(path):
        raise AuditError(f"unknown entry {entry!r}: no such file {path}")
    for root in roots:
        rel = os.path.relpath(path, root)
        if not rel.startswith(os.pardir + os.sep) and rel.endswith(".py"):
            parts = rel[:-3].split(os.sep)
            if parts[-1] == "__init__":
                parts.pop()
            if parts and all(p.isidentifier() for p in parts):
                return ".".join(parts)
    raise AuditError(
        f"entry file {path} is not under --path ({', '.join(roots)}); pass --path with the "
        f"directory that holds its top-level package"
    )


# --------------------------------------------------------------------------------------- CLI
def _format_text(audit: Audit) -> str:
    where = ", ".join(audit.roots)
    if not audit.violations:
        return (f"imwarmup.audit: clean: no heavy import reachable from {audit.entry} "
                f"({len(audit.scanned)} modules scanned under {where})")
    lines = [f"imwarmup.audit: {len(audit.violations)} heavy import(s) reachable from "
             f"{audit.entry} ({len(audit.scanned)} modules scanned under {where}):"]
    for v in audit.violations:
        at = f"{os.path.relpath(v['file'])}:{v['line']}"
        if v["kind"] == "import-time":
            lines.append(f"  import time    {' -> '.join(v['chain'])}  ({at})")
        else:
            lines.append(f"  function body  {v['function']}() imports {' -> '.join(v['chain'][1:])}"
                         f"  ({at}; runs on whatever thread calls it)")
    lines.append("Warm these modules on a worker (WarmupController([...])) and use "
                 "controller.require_warmed(name) instead of importing them on the GUI thread.")
    return "\n".join(lines)


def _parse_heavy(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise AuditError("--heavy needs at least one module name, e.g. --heavy numpy,google.genai")
    for name in names:
        if not all(part.isidentifier() for part in name.split(".")):
            raise AuditError(f"--heavy: {name!r} is not a dotted module name")
    return names


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI. Returns the exit status: 0 clean, 1 violations, 2 bad usage."""
    parser = argparse.ArgumentParser(
        prog="python -m imwarmup.audit",
        description="Report heavy modules imported when ENTRY is imported (main-thread purity).",
    )
    parser.add_argument("entry", nargs="+", metavar="ENTRY",
                        help="module name (app.main) or .py file to start from")
    parser.add_argument("--heavy", default=",".join(DEFAULT_HEAVY),
                        help=f"comma-separated heavy modules (default: {','.join(DEFAULT_HEAVY)})")
    parser.add_argument("--path", action="append", metavar="DIR",
                        help="directory holding the project's modules (repeatable; default: .)")
    parser.add_argument("--no-function-bodies", action="store_true",
                        help="do not report heavy imports inside function bodies")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed its message
        return 0 if exc.code == 0 else 2
    try:
        heavy = _parse_heavy(args.heavy)
        audits = [run_audit(e, args.path, heavy, function_bodies=not args.no_function_bodies)
                  for e in args.entry]
    except AuditError as exc:
        if args.json:
            print(json.dumps({"error": str(exc)}))
        print(f"imwarmup.audit: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        data = [a.to_json() for a in audits]
        print(json.dumps(data[0] if len(data) == 1 else data, indent=2))
    else:
        print("\n".join(_format_text(a) for a in audits))
    return 1 if any(a.violations for a in audits) else 0


if __name__ == "__main__":
    sys.exit(main())
