"""``python -m imwarmup history`` and ``python -m imwarmup compare``: start-ups run to run, for
people and for CI.

    python -m imwarmup history [--history PATH | --app NAME] [--json]
    python -m imwarmup compare [--history PATH | --app NAME] [RUN_A RUN_B] [--threshold 20%,20ms]

``compare`` with no runs compares the last run with the usual of the runs before it (the median
of the last 5 of each module); with two, RUN_B against RUN_A (ids or numbers from ``history``,
``last``, ``last-1``). Exit codes: 0 no module regressed, 1 a module regressed past the
threshold (slower by more than both its percent and its ms, or newly failing), 2 bad input (no
history file or no run in it, an unknown run, a bad threshold). A history of one run (a first
start-up, a fresh CI cache) has nothing to compare: 0, and a line that says so.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from typing import Sequence

from .history import (
    ENV_VAR, USUAL_RUNS, HistoryFile, HistoryWarning, compare, find_run, format_compare,
    format_runs, parse_threshold, resolve_history_path,
)

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _threshold(text: str) -> tuple[float, float]:
    try:
        return parse_threshold(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser(command: str) -> argparse.ArgumentParser:
    parser = _Parser(prog=f"python -m imwarmup {command}",
                     description=("list the warmup runs of a history file" if command == "history"
                                  else "compare two warmup runs; exit 1 when a module regressed"))
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--history", metavar="PATH",
                       help=f"the history file (default: ${ENV_VAR}, else the app's file in the "
                            "user cache folder)")
    where.add_argument("--app", metavar="NAME",
                       help="the app whose default history file to read (its script's name)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    if command == "compare":
        parser.add_argument("runs", nargs="*", metavar="RUN",
                            help="two runs (id, id prefix, number from `history`, last, last-1); "
                                 "none: the last run against the usual of the runs before it")
        parser.add_argument("--threshold", type=_threshold, default=(20.0, 20.0),
                            metavar="PCT%,MSms",
                            help="a regression is slower by more than both (default 20%%,20ms)")
    return parser


def _path(args: argparse.Namespace) -> str:
    if args.history is not None:
        return os.path.abspath(os.path.expanduser(args.history))
    path = resolve_history_path(None, app=args.app)
    if path is None:
        raise LookupError(f"history is turned off (${ENV_VAR}={os.environ.get(ENV_VAR)!r}); "
                          "pass --history PATH")
    return path


def main(argv: Sequence[str]) -> int:
    """Run ``history`` or ``compare`` (``argv[0]``); returns the exit code."""
    command, rest = argv[0], list(argv[1:])
    try:
        args = build_parser(command).parse_args(rest)
    except SystemExit as exc:  # --help (0) or a usage error (2, already printed)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        path = _path(args)
        if not os.path.exists(path):
            raise LookupError(f"no history file at {path} (run the app once, or pass "
                              "--history PATH or --app NAME)")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", HistoryWarning)
            runs = HistoryFile(path).read()
        for w in caught:
            print(f"imwarmup {command}: warning: {w.message}", file=sys.stderr)
        if command == "history":
            if args.json:
                print(json.dumps(runs, indent=1))
            else:
                print(f"{path}: {len(runs)} run(s)")
                print(format_runs(runs))
            return 0
        return _compare(args, runs)
    except LookupError as exc:
        print(f"imwarmup {command}: {exc}", file=sys.stderr)
        return 2


def _compare(args: argparse.Namespace, runs: list[dict]) -> int:
    pct, ms = args.threshold
    if len(args.runs) == 2:
        base, new = find_run(runs, args.runs[0]), find_run(runs, args.runs[1])
        deltas = compare(base, new)
        base_label, new_label = f"run {base['run']}", f"run {new['run']}"
    elif not args.runs:
        if not runs:
            raise LookupError("the history has no runs to compare")
        if len(runs) == 1:  # a first start-up (a fresh CI cache): nothing regressed yet
            print(f"only 1 run so far ({runs[0]['run']}): nothing to compare it with; "
                  "no module regressed")
            return 0
        new = runs[-1]
        previous = runs[:-1]
        deltas = compare(previous, new)
        base_label = (f"the usual of the {len(previous)} run(s) before it (per module, the "
                      f"median of its last {USUAL_RUNS} completed imports)")
        new_label = f"run {new['run']}"
    else:
        raise LookupError(f"compare takes two runs or none, got {len(args.runs)}: "
                          + " ".join(args.runs))
    regressed = [d for d in deltas if d.regressed_by(pct, ms)]
    if args.json:
        print(json.dumps({
            "base": base_label, "new": new_label, "threshold": {"pct": pct, "ms": ms},
            "modules": [{"module": d.module, "base_ms": d.base_ms, "new_ms": d.new_ms,
                         "delta_ms": d.delta_ms, "delta_pct": d.delta_pct,
                         "status": d.new_status, "base_status": d.base_status,
                         "change": d.change, "regressed": d.regressed_by(pct, ms)}
                        for d in deltas],
        }, indent=1))
    else:
        print(format_compare(deltas, pct, ms, base_label, new_label))
    return 1 if regressed else 0
