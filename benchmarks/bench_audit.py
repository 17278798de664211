"""Benchmark of the static audit on a real package: pandas over its own site-packages (issue 11).

    python benchmarks/bench_audit.py --site-packages DIR     # from the repository root
    python benchmarks/bench_audit.py                         # if pandas is importable here

The audit parses and never imports, so pandas only has to be on disk; it is not a dependency of
imwarmup. To get it without touching the project's environment::

    python -m venv /tmp/bench-pandas && /tmp/bench-pandas/bin/pip install pandas
    SITE=$(/tmp/bench-pandas/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
    python benchmarks/bench_audit.py --site-packages "$SITE"

It times the whole command, ``python -m imwarmup.audit pandas --path SITE --heavy numpy,pytz
--json``, in a fresh process (interpreter start and JSON output included), for the audit before
issue 11 (``imwarmup/audit.py`` at commit f426e30, read with ``git show``) and for the working
tree, with and without the function-body pass, rounds interleaved; it prints the median, the
spread and what each variant reported (target: the whole audit under 5 s). It asserts nothing (a
benchmark is not a timed test).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEFORE = "f426e30"  # the last commit of imwarmup/audit.py before issue 11
HEAVY = "numpy,pytz"
TARGET_S = 5.0


def default_site_packages() -> str | None:
    spec = importlib.util.find_spec("pandas")
    if spec is None or not spec.submodule_search_locations:
        return None
    return str(Path(list(spec.submodule_search_locations)[0]).parent)


def run_once(script: list[str], site: str, function_bodies: bool, env: dict[str, str]):
    argv = [sys.executable, *script, "pandas", "--path", site, "--heavy", HEAVY, "--json"]
    if not function_bodies:
        argv.append("--no-function-bodies")
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        done = subprocess.run(argv, stdout=out, stderr=subprocess.PIPE, env=env, cwd=ROOT)
        seconds = time.perf_counter() - start
        if done.returncode not in (0, 1):
            sys.exit(f"bench_audit: {' '.join(argv)} failed (exit {done.returncode}):\n"
                     f"{done.stderr.decode()[-2000:]}")
        size = out.tell()
        out.seek(0)
        result = json.load(out)
    modules = [v["module"] for v in result["violations"]]
    heavy = HEAVY.split(",")
    return seconds, {
        "violations": len(modules),
        "numpy": modules.count("numpy"),
        "not heavy names": len({m for m in modules if m not in heavy}),
        "scanned": len(result["scanned"]),
        "JSON MB": size / 1e6,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site-packages", metavar="DIR", default=default_site_packages(),
                        help="the site-packages holding pandas (default: this interpreter's)")
    parser.add_argument("--runs", type=int, default=3, help="rounds per variant (default 3)")
    args = parser.parse_args()
    site = args.site_packages
    if site is None or not (Path(site) / "pandas" / "__init__.py").is_file():
        print("bench_audit: no pandas found: pass --site-packages DIR, a site-packages that holds "
              "pandas (see this file's docstring for a scratch venv: python -m venv "
              "/tmp/bench-pandas && /tmp/bench-pandas/bin/pip install pandas)", file=sys.stderr)
        return 2
    if args.runs < 1:
        print(f"bench_audit: --runs must be >= 1, got {args.runs}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        before = Path(tmp) / "audit_before.py"
        try:
            before.write_bytes(subprocess.run(
                ["git", "show", f"{BEFORE}:imwarmup/audit.py"], cwd=ROOT, check=True,
                capture_output=True).stdout)
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"bench_audit: cannot read imwarmup/audit.py at {BEFORE} with git: {exc}",
                  file=sys.stderr)
            return 2
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        variants = [
            ("before (f426e30)", [str(before)], True),
            ("before (f426e30)", [str(before)], False),
            ("after (this tree)", ["-m", "imwarmup.audit"], True),
            ("after (this tree)", ["-m", "imwarmup.audit"], False),
        ]
        times: dict[int, list[float]] = {i: [] for i in range(len(variants))}
        facts: dict[int, dict] = {}
        print(f"pandas under {site}, --heavy {HEAVY}, {args.runs} round(s), python "
              f"{sys.version.split()[0]}")
        for round_ in range(args.runs):
            for i, (label, script, bodies) in enumerate(variants):
                seconds, facts[i] = run_once(script, site, bodies, env)
                times[i].append(seconds)
                print(f"  round {round_ + 1}: {label:18} function bodies "
                      f"{'on ' if bodies else 'off'} {seconds:7.2f} s", flush=True)

    print()
    header = (f"{'variant':18} {'fn bodies':>9} {'median s':>9} {'min s':>7} {'max s':>7} "
              f"{'violations':>10} {'numpy':>6} {'bogus':>6} {'scanned':>7} {'JSON MB':>8}")
    print(header)
    print("-" * len(header))
    for i, (label, _, bodies) in enumerate(variants):
        t, f = times[i], facts[i]
        print(f"{label:18} {'on' if bodies else 'off':>9} {statistics.median(t):9.2f} "
              f"{min(t):7.2f} {max(t):7.2f} {f['violations']:>10,} {f['numpy']:>6,} "
              f"{f['not heavy names']:>6,} {f['scanned']:>7} {f['JSON MB']:8.2f}")
    median = [statistics.median(times[i]) for i in range(len(variants))]
    print(f"\n'numpy': violations naming numpy; 'bogus': distinct names reported that are not a "
          f"--heavy name (numpy._core.False_ ...).\nwhole audit after: {median[2]:.2f} s median "
          f"(target < {TARGET_S:.0f} s); with function bodies / without: "
          f"{median[0] / median[1]:.1f}x before, {median[2] / median[3]:.1f}x after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
