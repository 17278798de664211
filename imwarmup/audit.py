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
modules are not followed. A heavy module is a leaf even when its files are under ``--path`` (say,
a site-packages): the import of it is reported and its own code is never scanned, and
``from numpy import False_`` names ``numpy`` (a ``from`` name counts as a heavy submodule only if
it is, or may be, a real module). ``if TYPE_CHECKING:`` blocks are skipped (they never run) and
``if __name__ == "__main__":`` blocks count only in the entry module.

Default heavy list (:data:`imwarmup.core.purity.DEFAULT_HEAVY`): numpy, pandas, scipy, torch,
matplotlib, google.genai, openai, anthropic. A name covers its submodules.

Exit status: 0 clean, 1 violations found, 2 bad usage (unknown entry, an entry that is itself
heavy, unreadable file, syntax error in a scanned file, a file nested too deeply for Python's
parser, a relative import above the top-level package, a symlink loop or broken symlink reached
by an import); the message is one line and names the file.
"""

from __future__ import annotations

import argparse
import ast
import errno
import importlib.machinery
import json
import os
import stat
import sys
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from imwarmup.core.purity import DEFAULT_HEAVY, heavy_root, is_module_name

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
        candidate: the ``name`` of ``from pkg import name``: ``pkg.name`` if that is a
            submodule, else an attribute of ``pkg``.
    """

    module: str
    line: int
    function: str | None = None
    candidate: bool = False


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
class _Unreachable(Exception):
    """A project module that cannot be reached through the file system (a symlink loop)."""


class _Project:
    """Finds, parses and caches the project's modules under the given roots."""

    def __init__(self, roots: list[str], entry_name: str, heavy: list[str]) -> None:
        self.roots = roots
        self.heavy = heavy
        self.entry_name = entry_name
        self._cache: dict[str, _ModuleInfo | None] = {}
        self._by_real_path: dict[str, str] = {}  # real file -> the module name it was parsed as

    def find(self, name: str) -> tuple[str, bool] | None:
        """(file, is_package) of project module ``name``, or None if it is not the project's.

        Raises:
            _Unreachable: the module's file or directory is a symlink loop or a broken symlink
                (Python cannot import it either: it reports the module as not found).
        """
        parts = name.split(".")
        for root in self.roots:
            base = os.path.join(root, *parts)
            for path, is_package in ((os.path.join(base, "__init__.py"), True),
                                     (base + ".py", False)):
                try:
                    if stat.S_ISREG(os.stat(path).st_mode):
                        return path, is_package
                except OSError as exc:
                    if exc.errno == errno.ELOOP:
                        raise _Unreachable(
                            f"{path} is behind a symlink loop ({exc.strerror}): Python cannot "
                            f"import {name} either; fix or remove the link"
                        ) from None
                    if os.path.islink(path):
                        raise _Unreachable(
                            f"{path} is a broken symlink (to {os.readlink(path)}): Python cannot "
                            f"import {name} either; fix or remove the link"
                        ) from None
        return None

    def module(self, name: str) -> _ModuleInfo | None:
        """The parsed project module ``name`` (None if not the project's); see :meth:`find`."""
        if name not in self._cache:
            found = self.find(name)
            self._cache[name] = None if found is None else self._parse(name, *found)
        return self._cache[name]

    def is_module(self, name: str) -> bool | None:
        """Whether ``name`` is a module (any kind: source, extension, package) of a package found
        under the roots; None when its parent package is not under the roots (unknown)."""
        parent, _, last = name.rpartition(".")
        found = self.find(parent) if parent else None
        if found is None:
            return None
        base = os.path.join(os.path.dirname(found[0]), last)
        if os.path.isdir(base):
            return True
        suffixes = importlib.machinery.all_suffixes()
        return any(os.path.isfile(base + suffix) for suffix in suffixes)

    def _check_loop(self, name: str, file: str) -> None:
        # A directory symlink pointing back up (app/sub -> app) makes app.sub the same file as
        # app, app.sub.sub the same again, and so on: Python recurses through it until the OS
        # gives up, so report it instead of scanning the copies.
        real = os.path.realpath(file)
        first = self._by_real_path.setdefault(real, name)
        if first != name and name.startswith(first + "."):
            link = next((p for p in _path_prefixes(file) if os.path.islink(p)), file)
            raise _Unreachable(
                f"{file} is {real} again: module {name} is {first} again through "
                f"the symlink {link} -> {os.readlink(link) if os.path.islink(link) else '?'} "
                f"(a symlink loop); remove the link or narrow --path"
            )

    def _parse(self, name: str, file: str, is_package: bool) -> _ModuleInfo:
        self._check_loop(name, file)
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
        except (RecursionError, MemoryError) as exc:  # Python's parser gives up on the nesting
            raise AuditError(
                f"cannot parse {file} (module {name}): an expression or block nests too deeply "
                f"for Python's parser ({type(exc).__name__}), so Python cannot compile it either; "
                f"fix it, or narrow --path so the file is not scanned"
            ) from None
        except ValueError as exc:  # null bytes, undecodable source
            raise AuditError(f"cannot parse {file} (module {name}): {exc}") from exc
        info = _ModuleInfo(name, file, is_package)
        package = name if is_package else name.rpartition(".")[0]
        # Only a call can hold a dynamic import; without these words in the file, expressions
        # need not be walked at all (most of the scan time of a large package).
        dynamic = b"import_module" in source or b"__import__" in source
        _Collector(info, package, run_as_main=name == self.entry_name, dynamic=dynamic).run(tree)
        return info


def _path_prefixes(path: str) -> list[str]:
    """``/a/b/c`` -> ``["/a", "/a/b", "/a/b/c"]``."""
    prefixes = []
    while True:
        head, tail = os.path.split(path)
        if not tail:
            break
        prefixes.append(path)
        path = head
    return prefixes[::-1]


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_BLOCKS = (ast.stmt, ast.excepthandler, ast.match_case)


class _Collector:
    """Collects the imports of one module, split into import-time and function-body ones.

    The walk uses its own stack, never Python's: generated code (a 1,000-branch ``elif`` chain,
    a sum of 1,000 terms) imports fine but is deeper than the interpreter's recursion limit.
    """

    def __init__(self, info: _ModuleInfo, package: str, run_as_main: bool, dynamic: bool) -> None:
        self.info = info
        self.package = package
        self.run_as_main = run_as_main
        self.dynamic = dynamic

    def run(self, tree: ast.Module) -> None:
        # Each entry: (node, enclosing class and function names, inside a function body?).
        # Children are pushed in reverse so that sites come out in source order.
        stack: list[tuple[ast.AST, tuple[str, ...], bool]] = [
            (stmt, (), False) for stmt in reversed(tree.body)
        ]
        while stack:
            node, scope, in_function = stack.pop()
            later: list[tuple[ast.AST, tuple[str, ...], bool]] = []
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self._add(alias.name, node.lineno, scope, in_function)
            elif isinstance(node, ast.ImportFrom):
                base = self._resolve(node)
                if base:
                    self._add(base, node.lineno, scope, in_function)
                for alias in node.names:
                    if alias.name != "*":
                        # `from pkg import name` imports pkg.name when it is a submodule: a
                        # candidate, kept only if it is a project module or a heavy one that is
                        # (or may be) a real module (see _edges).
                        self._add(f"{base}.{alias.name}" if base else alias.name, node.lineno,
                                  scope, in_function, candidate=True)
            elif isinstance(node, _FUNCTIONS) or isinstance(node, ast.Lambda):
                # Decorators and defaults run when the def runs: at import time for a
                # module-level def; the body only when the function is called.
                name = getattr(node, "name", "<lambda>")
                body = node.body if isinstance(node.body, list) else [node.body]
                later += [(stmt, scope + (name,), True) for stmt in body]
                if self.dynamic:
                    exprs = [*getattr(node, "decorator_list", []), *node.args.defaults,
                             *[d for d in node.args.kw_defaults if d is not None]]
                    later += [(expr, scope, in_function) for expr in exprs]
            elif isinstance(node, ast.ClassDef):
                # A class body runs when the class statement runs; its methods only when called.
                later += [(child, scope + (node.name,), in_function)
                          for child in ast.iter_child_nodes(node)
                          if isinstance(child, _BLOCKS)]
                if self.dynamic:
                    exprs = [*node.decorator_list, *node.bases, *node.keywords]
                    later += [(expr, scope, in_function) for expr in exprs]
            elif isinstance(node, ast.If) and (
                    _is_type_checking(node.test)
                    or (_is_main_guard(node.test) and not self.run_as_main and not in_function)):
                later += [(stmt, scope, in_function) for stmt in node.orelse]
            else:
                if isinstance(node, ast.Call) and self.dynamic:
                    self._dynamic_import(node, scope, in_function)
                later += [(child, scope, in_function) for child in ast.iter_child_nodes(node)
                          if self.dynamic or isinstance(child, _BLOCKS)]
            stack.extend(reversed(later))

    def _add(self, module: str, line: int, scope: tuple[str, ...], in_function: bool,
             candidate: bool = False) -> None:
        function = ".".join(scope) if in_function else None
        site = ImportSite(module, line, function, candidate)
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

    def _dynamic_import(self, node: ast.Call, scope: tuple[str, ...], in_function: bool) -> None:
        func = node.func
        dynamic = (
            (isinstance(func, ast.Attribute) and func.attr == "import_module"
             and isinstance(func.value, ast.Name) and func.value.id == "importlib")
            or (isinstance(func, ast.Name) and func.id in ("__import__", "import_module"))
        )
        if dynamic and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str) and not node.args[0].value.startswith("."):
            self._add(node.args[0].value, node.lineno, scope, in_function)


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
def _with_parents(name: str) -> list[str]:
    """``a.b.c`` -> ``["a", "a.b", "a.b.c"]``: importing a submodule runs every parent first."""
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _edges(project: _Project, info: _ModuleInfo, sites: list[ImportSite]):
    """Yield (site, target, kind): kind is "project" (follow it) or "heavy" (report it).

    A heavy module is a leaf even when its files are under --path (a site-packages): the import
    of it is reported under its heavy name, and its own code is never followed.
    """
    heavy = project.heavy
    for site in sites:
        for name in _with_parents(site.module):
            root = heavy_root(name, heavy)
            if root is not None:
                # `from numpy import False_` imports numpy (the base site), not numpy.False_; a
                # candidate under a heavy name counts only if it is (or may be) a real module.
                if not (site.candidate and name == site.module
                        and _reachable(project, info, site, project.is_module, name) is False):
                    yield site, root, "heavy"
                break
            if _reachable(project, info, site, project.module, name) is not None:
                if name != info.name:
                    yield site, name, "project"


def _reachable(project: _Project, info: _ModuleInfo, site: ImportSite, look: Any, name: str):
    """``look(name)``, with a symlink loop met on the way reported as the import that reached it."""
    try:
        return look(name)
    except _Unreachable as exc:
        raise AuditError(f"{info.file}:{site.line} imports {name}, but {exc}") from None


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
            directory by default. Heavy packages found there (a site-packages) are not followed.
        heavy: the heavy module names; each covers its submodules.
        function_bodies: also report heavy imports inside function bodies.

    Returns:
        An :class:`Audit`. Each violation is ``{"kind": "import-time" | "function-body",
        "module", "chain", "file", "line", "function"}``: ``module`` is the heavy name matched,
        ``chain`` runs from the entry (or, for function bodies, from the function's module) to
        it.

    Raises:
        AuditError: unknown entry, an entry that is itself heavy, a missing ``--path``
            directory, an unreadable file, a syntax error, a file too deeply nested for Python's
            parser, a relative import above the top-level package, or a symlink loop reached by
            an import.
    """
    roots = [os.path.abspath(p) for p in (paths or [os.getcwd()])]
    for root in roots:
        if not os.path.isdir(root):
            raise AuditError(f"--path {root} is not a directory")
    heavy = list(heavy)
    entry_name = _entry_name(entry, roots)
    heavy_entry = heavy_root(entry_name, heavy)
    if heavy_entry is not None:
        raise AuditError(
            f"the entry {entry_name} is itself heavy (--heavy has {heavy_entry}), and heavy "
            f"modules are never followed; to audit what it imports, leave {heavy_entry} out of "
            f"--heavy"
        )
    project = _Project(roots, entry_name, heavy)
    try:
        found = project.find(entry_name)
    except _Unreachable as exc:
        raise AuditError(f"entry {entry_name}: {exc}") from None
    if found is None:
        where = ", ".join(roots)
        raise AuditError(
            f"unknown entry {entry!r}: no {entry_name.replace('.', os.sep)}.py or "
            f"{entry_name.replace('.', os.sep)}{os.sep}__init__.py under {where}; pass a module "
            f"name importable from --path, or a .py file"
        )

    # Breadth first from the entry over module-level imports: `came_from` gives the shortest
    # chain. Running `app.main` also runs the `app` package first, so the entry's parents are
    # reachable (from the entry, before anything it imports).
    edges: dict[str, list[tuple[ImportSite, str, str]]] = {}

    def imported_by(name: str) -> list[str]:
        packages = []
        for package in _with_parents(entry_name)[:-1] if name == entry_name else ():
            try:
                found_package = project.module(package)
            except _Unreachable as exc:
                raise AuditError(
                    f"entry {entry_name} runs its package {package} first, but {exc}") from None
            if found_package is not None:
                packages.append(package)
        info = project.module(name)
        assert info is not None
        edges[name] = list(_edges(project, info, info.module_level))
        return packages + [target for _site, target, kind in edges[name] if kind == "project"]

    came_from = _breadth_first([entry_name], imported_by)
    order = list(came_from)  # the order modules were reached in
    violations: list[dict[str, Any]] = []
    reported: set[tuple[str, str, int]] = set()
    for name in order:
        info = project.module(name)
        assert info is not None
        for site, target, kind in edges[name]:
            if kind == "heavy" and (target, info.file, site.line) not in reported:
                reported.add((target, info.file, site.line))
                violations.append({
                    "kind": "import-time",
                    "module": target,
                    "chain": _path(came_from, name)[::-1] + [target],
                    "file": info.file,
                    "line": site.line,
                    "function": None,
                })

    if function_bodies:
        in_functions: list[tuple[str, _ModuleInfo, ImportSite, str, str]] = []
        for name in order:
            info = project.module(name)
            assert info is not None
            in_functions += [(name, info, site, target, kind)
                             for site, target, kind in _edges(project, info, info.in_functions)]
        nearest = _NearestHeavy(
            project, [target for _, _, _, target, kind in in_functions if kind == "project"])
        for name, info, site, target, kind in in_functions:
            if kind == "heavy":
                hits = [([name, target], info.file, site.line)]
            else:  # a project module imported in a function: what does it pull in?
                hits = [([name] + chain, file, line) for chain, file, line in nearest.hits(target)]
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


class _NearestHeavy:
    """For project modules: the nearest import-time import of each heavy module they reach.

    One backward breadth-first search per heavy name over the import-time graph answers every
    module at once, where a forward search from each function-body import walked the same graph
    again and again (pandas: 33.9 s of a 35 s audit). Both searches are ``_breadth_first``.

    Args:
        project: the project.
        starts: the project modules that will be asked about.
    """

    def __init__(self, project: _Project, starts: list[str]) -> None:
        self._project = project
        importers: dict[str, list[str]] = {}  # project module -> the modules importing it
        self._direct: dict[str, dict[str, int]] = {}  # module -> heavy name -> first line

        def imported_by(name: str) -> list[str]:
            info = project.module(name)
            assert info is not None
            direct = self._direct.setdefault(name, {})
            targets = []
            for site, target, kind in _edges(project, info, info.module_level):
                if kind == "heavy":
                    direct.setdefault(target, site.line)
                else:
                    importers.setdefault(target, []).append(name)
                    targets.append(target)
            return targets

        _breadth_first(starts, imported_by)  # every module reachable at import time
        # heavy -> module -> the next module on its shortest way to the heavy import (None: it
        # imports the heavy module itself)
        self._next: dict[str, dict[str, str | None]] = {
            heavy: _breadth_first([n for n, d in self._direct.items() if heavy in d],
                                  lambda name: importers.get(name, ()))
            for heavy in project.heavy
        }

    def hits(self, start: str) -> list[tuple[list[str], str, int]]:
        """(chain from ``start`` to the heavy name, file, line of that import), per heavy name."""
        found = []
        for heavy, hop in self._next.items():
            if start not in hop:
                continue
            chain = _path(hop, start)
            last = self._project.module(chain[-1])
            assert last is not None
            found.append((chain + [heavy], last.file, self._direct[chain[-1]][heavy]))
        return found


def _breadth_first(
    starts: Iterable[str], step: Callable[[str], Iterable[str]]
) -> dict[str, str | None]:
    """The audit's one graph search: breadth first from ``starts``, ``step(node)`` giving the
    nodes a node leads to (called once per node reached, in the order reached).

    Returns:
        Every node reached, in the order reached, mapped to the node it was first reached from
        (None for a start): ``_path`` walks that back to a start along a shortest way. A cycle
        meets a node already reached and stops there.
    """
    came_from: dict[str, str | None] = dict.fromkeys(starts)
    queue = deque(came_from)
    while queue:
        node = queue.popleft()
        for following in step(node):
            if following not in came_from:
                came_from[following] = node
                queue.append(following)
    return came_from


def _path(came_from: dict[str, str | None], node: str) -> list[str]:
    """``node``, the node it was reached from, and so on back to a start."""
    path = [node]
    while came_from[path[-1]] is not None:
        path.append(came_from[path[-1]])  # type: ignore[arg-type]
    return path


def _entry_name(entry: str, roots: list[str]) -> str:
    """The dotted module name of ``entry`` (a module name or a path to a .py file)."""
    if not isinstance(entry, str) or not entry:
        raise AuditError(f"the entry must be a module name or a .py file, got {entry!r}")
    looks_like_file = entry.endswith(".py") or os.sep in entry or (os.altsep or "\0") in entry
    if not looks_like_file:
        if not is_module_name(entry):
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
        if not is_module_name(name):
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
