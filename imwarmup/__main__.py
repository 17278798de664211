"""The imwarmup demo: ``python -m imwarmup``.

A small host app (menu bar, a provider panel, the status bar) that warms numpy and a dozen heavy
stdlib packages on ``controller-io-0..3`` while its first frame is already up, with the
diagnostics plugin installed in three lines (see ``run_window``).

    python -m imwarmup                         # the window
    python -m imwarmup --demo-failures         # adds slow and failing modules: every state shows
    python -m imwarmup text                    # no window: warm, then print the canary table
    python -m imwarmup text --trace warmup.json   # ... and write a trace Perfetto opens
    python -m imwarmup --screenshot out.png --exit-after 3   # headless: save the last frame
    python -m imwarmup history | compare       # start-up history (see imwarmup/core/history_cli.py)

It doubles as the test suite's fixture app.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from typing import Any, Sequence

DEFAULT_MODULES = (
    "numpy",
    "asyncio",
    "decimal",
    "email.mime.multipart",
    "http.server",
    "json",
    "logging.handlers",
    "multiprocessing",
    "sqlite3",
    "ssl",
    "tarfile",
    "unittest",
    "urllib.request",
    "xml.dom.minidom",
    "zipfile",
)

# --demo-failures: tiny generated modules, so every canary state shows in the GUI.
DEMO_FAILURE_MODULES = {
    "imwarmup_demo_slow_sdk": "import time\ntime.sleep(1.5)\n",
    "imwarmup_demo_slower_sdk": "import time\ntime.sleep(2.5)\n",
    "imwarmup_demo_broken_sdk": (
        "raise ImportError('imwarmup demo: the vendor SDK needs libfoo.so, which is not installed')\n"
    ),
    "imwarmup_demo_syntax_error": "def broken(:\n    pass\n",
}
DEMO_MISSING_MODULE = "imwarmup_demo_not_installed"

# The provider panel: what "Switch provider" does with each module once it is warm.
PROVIDERS: dict[str, tuple[str, Any]] = {
    "SQLite": ("sqlite3", lambda m: m.connect(":memory:").execute("select sqlite_version()").fetchone()[0]),
    "NumPy": ("numpy", lambda np: f"sum={float(np.linspace(0, 1, 10_000).sum()):.1f}"),
    "Decimal": ("decimal", lambda d: str(d.Decimal(1) / d.Decimal(7))[:10]),
    "Mail": ("email.mime.multipart", lambda m: m.MIMEMultipart().get_content_type()),
}


# ------------------------------------------------------------------------------- arguments
def _number(convert, low: float, high: float, not_a_number: str, out_of_range: str,
            *, low_open: bool = False):
    """An argparse ``type`` for a number in ``[low, high]`` (``(low, high]`` with ``low_open``);
    the messages may use ``{text}`` (what was typed) and ``{value}``."""

    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(not_a_number.format(text=text)) from None
        # Written so that NaN fails both comparisons and is refused too.
        if not ((value > low) if low_open else (value >= low)) or not value <= high:
            raise argparse.ArgumentTypeError(out_of_range.format(text=text, value=value))
        return value

    return parse


_workers = _number(int, 1, 64, "--workers must be a whole number >= 1, got {text!r}",
                   "--workers must be between 1 and 64, got {value}")
_seconds = _number(float, 0, 3600, "expected a number of seconds, got {text!r}",
                   "expected seconds in (0, 3600], got {text!r}", low_open=True)
_port = _number(int, 0, 65535, "--hook-port must be a port number, got {text!r}",
                "--hook-port must be in 0..65535 (0: any free port), got {value}")
_scale = _number(float, 0.5, 4, "--scale must be a number such as 2, got {text!r}",
                 "--scale must be between 0.5 and 4, got {text!r}")


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--window-size must look like 1000x700, got {text!r}")
    if not (200 <= w <= 8000 and 150 <= h <= 8000):
        raise argparse.ArgumentTypeError(f"--window-size is out of range (min 200x150), got {text!r}")
    return w, h


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m imwarmup",
        description="imwarmup demo: a host app warming heavy imports, with the diagnostics plugin.",
    )
    parser.add_argument("mode", nargs="?", choices=("window", "text"), default="window",
                        help="window (default) or text: warm, print the canary table and profile")
    parser.add_argument("--modules", help="comma-separated modules to warm (default: numpy and "
                        "a dozen heavy stdlib packages)")
    parser.add_argument("--workers", type=_workers, default=4, help="worker threads (default 4)")
    parser.add_argument("--demo-failures", action="store_true",
                        help="add tiny generated slow and failing modules so every state shows")
    parser.add_argument("--screenshot", metavar="PATH", help="save the final frame as PNG (needs --exit-after)")
    parser.add_argument("--exit-after", type=_seconds, metavar="SECONDS", help="quit after this long")
    parser.add_argument("--open-diagnostics", action="store_true", help="open the diagnostics window at start")
    parser.add_argument("--theme", choices=("dark", "light"), default="dark", help="host style")
    parser.add_argument("--window-size", type=_size, default=(1000, 700), metavar="WxH")
    parser.add_argument("--scale", type=_scale, default=None, help="DPI scale factor (HiDPI check)")
    parser.add_argument("--hook-port", type=_port, default=None,
                        help="serve the HTTP hook API on this loopback port (0: any free port)")
    parser.add_argument("--hook-port-file", metavar="PATH", help="write the bound hook port here")
    parser.add_argument("--quiet", action="store_true", help="no per-module warmup log on stderr")
    parser.add_argument("--trace", metavar="PATH",
                        help="text mode: write the warmup (canaries and their nested imports, "
                             "per thread) as Chrome trace-event JSON here (ui.perfetto.dev, "
                             "speedscope open it)")
    parser.add_argument("--profile-out", metavar="PATH",
                        help="write the startup profile (JSON) here when the app exits")
    return parser


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    from imwarmup.core.manager import validate_modules

    if args.modules is not None:
        names = [m.strip() for m in args.modules.split(",") if m.strip()]
        if not names:
            parser.error("--modules needs at least one module name, e.g. --modules numpy,sqlite3")
        try:
            args.module_list = validate_modules(names, where="--modules")
        except (TypeError, ValueError) as exc:
            parser.error(str(exc))
    else:
        args.module_list = list(DEFAULT_MODULES)
    if args.screenshot:
        if args.exit_after is None:
            parser.error("--screenshot needs --exit-after SECONDS (when to take it)")
        folder = os.path.dirname(os.path.abspath(args.screenshot))
        if not os.path.isdir(folder):
            parser.error(f"--screenshot: folder {folder!r} does not exist")
        if args.mode == "text":
            parser.error("--screenshot works in window mode only")
    if args.trace is not None:
        if args.mode != "text":
            parser.error("--trace works in text mode only: python -m imwarmup text --trace PATH "
                         "(in the window: the diagnostics window's \"Export trace\")")
        folder = os.path.dirname(os.path.abspath(args.trace))
        if not os.path.isdir(folder):
            parser.error(f"--trace: folder {folder!r} does not exist")
        if os.path.isdir(args.trace):
            parser.error(f"--trace: {args.trace!r} is a folder; give a file name, e.g. "
                         f"{os.path.join(args.trace, 'warmup.trace.json')}")
        if not os.access(folder, os.W_OK | os.X_OK):
            parser.error(f"--trace: folder {folder!r} is not writable")
    if args.hook_port_file and args.hook_port is None:
        parser.error("--hook-port-file needs --hook-port")
    return args


def _demo_failure_modules() -> list[str]:
    folder = tempfile.mkdtemp(prefix="imwarmup-demo-")
    for name, source in DEMO_FAILURE_MODULES.items():
        with open(os.path.join(folder, f"{name}.py"), "w", encoding="utf-8") as f:
            f.write(source)
    sys.path.insert(0, folder)
    return [*DEMO_FAILURE_MODULES, DEMO_MISSING_MODULE]


def make_controller(args: argparse.Namespace):
    from imwarmup import WarmupController

    modules = list(args.module_list)
    if args.demo_failures:
        modules += _demo_failure_modules()
    return WarmupController(modules, max_workers=args.workers, log_to_stderr=not args.quiet)


# ------------------------------------------------------------------------------- text mode
def unknown_modules(canaries: Sequence[dict[str, Any]], asked: Sequence[str]) -> list[tuple[str, str]]:
    """``(module, missing)`` for each module of ``asked`` that is not there at all: its import
    failed with ``No module named 'missing'`` where ``missing`` is the module itself or one of
    its parent packages (a typo, or not installed in this Python). A module that is there but
    imports something missing is a failed import, not an unknown module."""
    import re

    out = []
    for c in canaries:
        module, error = c["module"], c.get("error") or ""
        found = re.match(r"ModuleNotFoundError: No module named '([^']+)'", error)
        if module in asked and found and (
                module == found[1] or module.startswith(found[1] + ".")):
            out.append((module, found[1]))
    return out


def run_text(args: argparse.Namespace) -> int:
    """Warm, print the report, write ``--trace``. Exit code: 0 every module warmed, 1 a module
    failed to import, 2 bad input (a module that is not there, a trace that cannot be
    written): one line on stderr says which."""
    from imwarmup.core.report import format_text_report

    controller = make_controller(args)
    with controller:
        with controller.profiler.phase("warmup.start"):
            controller.start()
        with controller.profiler.phase("warmup.wait"):
            controller.wait_for_warmup(timeout=120)
        controller.profiler.mark_ready("warm")
        print(format_text_report(controller.canaries(), time.time(),
                                 controller.profiler.format_report(),
                                 trees=controller.import_trees()))
        if args.trace is not None:
            from imwarmup.core.trace import write_trace

            path = os.path.abspath(args.trace)
            try:
                events = write_trace(controller, path)
            except OSError as exc:
                print(f"python -m imwarmup: --trace {args.trace}: could not write the trace to "
                      f"{path}: {exc.strerror or exc} (is the folder {os.path.dirname(path)} "
                      f"there and writable?)", file=sys.stderr)
                return 2
            print(f"Trace: {events} events written to {path} "
                  f"(open it in https://ui.perfetto.dev or https://www.speedscope.app)")
        unknown = unknown_modules(controller.canaries(), args.module_list)
        for module, missing in unknown:
            why = "" if missing == module else f" (the package of {module!r})"
            print(f"python -m imwarmup: --modules: no module named {missing!r}{why} in this "
                  f"Python ({sys.executable}); check the name, or install it", file=sys.stderr)
        if unknown:
            return 2
        return 1 if controller.warmup_status()["failed"] and not args.demo_failures else 0


# ----------------------------------------------------------------------------- window mode
class ProviderPanel:
    """The host app's own panel: switching provider takes its module with ``require_warmed``."""

    def __init__(self, controller: Any) -> None:
        self._controller = controller
        self._names = list(PROVIDERS)
        self.selected = 0
        self._waiting_for: str | None = None
        self.message = "Pick a provider and switch: no click pays for an import."

    def draw(self) -> None:
        from imgui_bundle import imgui

        from imwarmup.core.errors import NotWarmedError

        imgui.text("Provider")
        imgui.set_next_item_width(imgui.get_font_size() * 14)
        _, self.selected = imgui.combo("##provider", self.selected, self._names)
        imgui.same_line()
        if imgui.button("Switch provider"):
            self._waiting_for = self._names[self.selected]
        if self._waiting_for is not None:
            label = self._waiting_for
            module, action = PROVIDERS[label]
            start = time.perf_counter()
            try:
                mod = self._controller.require_warmed(module)
            except NotWarmedError as exc:
                if exc.status == "running":
                    self.message = f"Waiting for {module} to finish warming… (the window stays live)"
                else:
                    self.message = f"Cannot switch to {label}: {exc}"
                    self._waiting_for = None
            else:
                try:
                    result = action(mod)
                except Exception as exc:  # noqa: BLE001 - the demo shows it, it does not crash
                    self.message = f"{label} failed: {type(exc).__name__}: {exc}"
                else:
                    took = (time.perf_counter() - start) * 1000.0
                    self.message = f"Switched to {label} in {took:.2f} ms ({result})."
                self._waiting_for = None
        imgui.text_wrapped(self.message)


def run_window(args: argparse.Namespace) -> int:
    # The controller comes first so its profiler times the rest of start-up, imports included:
    # the "Startup profile" tab then shows what the main thread paid before its first frame.
    controller = make_controller(args)
    with controller.profiler.phase("import.gui"):
        from imgui_bundle import hello_imgui, imgui, immapp

        from imwarmup.panels import DiagnosticsPlugin

    with controller.profiler.phase("gui.setup"):
        runner_params = hello_imgui.RunnerParams()
        runner_params.app_window_params.window_title = "imwarmup demo"
        runner_params.app_window_params.window_geometry.size = args.window_size
        runner_params.imgui_window_params.show_menu_bar = True
        runner_params.imgui_window_params.show_menu_app = True
        runner_params.imgui_window_params.show_menu_view = True
        # The demo remembers no layout across runs: every start looks the same.
        # (A private folder, not a pid-named file in the shared temp folder: pids wrap, and a
        # later run with the same pid would read this one's layout.)
        runner_params.ini_folder_type = hello_imgui.IniFolderType.absolute_path
        runner_params.ini_filename = os.path.join(
            tempfile.mkdtemp(prefix="imwarmup-demo-"), "imgui.ini")
        if args.scale:
            runner_params.dpi_aware_params.dpi_window_size_factor = args.scale
        if args.theme == "light":
            runner_params.imgui_window_params.tweaked_theme.theme = hello_imgui.ImGuiTheme_.imgui_colors_light

        panel = ProviderPanel(controller)

        # From here on the main thread should import nothing heavy: warn (with file:line) if it
        # does, and list it in the diagnostics window.
        from imwarmup.core.purity import MainThreadImportGuard

        guard = MainThreadImportGuard(heavy=controller.modules, mode="warn").enable()

        # --- the three lines a host adds -------------------------------------------------
        controller.start()
        plugin = DiagnosticsPlugin(controller, guard=guard)
        plugin.install(runner_params)
        # -----------------------------------------------------------------------------------

        def menus() -> None:
            if imgui.begin_menu("Tools"):
                if imgui.menu_item("Warmup diagnostics", "", False)[0]:
                    plugin.show_debug_window()
                if imgui.menu_item("Copy warmup report", "", False)[0]:
                    plugin.copy_report()
                imgui.end_menu()

        runner_params.callbacks.show_menus = menus
        runner_params.callbacks.show_gui = panel.draw

        started = time.perf_counter()

        def before_frame() -> None:
            if args.exit_after is not None and time.perf_counter() - started >= args.exit_after:
                hello_imgui.get_runner_params().app_shall_exit = True

        runner_params.callbacks.pre_new_frame = hello_imgui.sequence_functions(
            runner_params.callbacks.pre_new_frame, before_frame
        )
        if args.open_diagnostics:
            runner_params.callbacks.enqueue_post_init(plugin.show_debug_window)
        if args.screenshot or args.exit_after:
            runner_params.fps_idling.enable_idling = False

    hook_start = None
    if args.hook_port is not None:
        # Started by a job on the pool: importing the server (socket, selectors,
        # concurrent.futures: ~30 ms cold) stays off the main thread. The job is brief; the
        # server itself runs on its own controller-hooks-0 pool.
        from imwarmup.demo_hooks import start_hook_server_for_demo

        hook_start = controller.submit_job(
            start_hook_server_for_demo, controller, args.hook_port, args.hook_port_file
        )
    try:
        immapp.run(runner_params, immapp.AddOnsParams(with_implot=True))
        if args.profile_out:
            import json

            with open(args.profile_out, "w", encoding="utf-8") as f:
                json.dump(controller.profiler.report(), f, indent=1)
        if args.screenshot:
            from imwarmup.panels.screenshot import ScreenshotUnavailableError, save_final_frame

            try:
                save_final_frame(args.screenshot)
            except ScreenshotUnavailableError as exc:
                # One line that says what to do, not a traceback (exit 1: no screenshot).
                print(f"python -m imwarmup: --screenshot {args.screenshot}: {exc}", file=sys.stderr)
                return 1
    finally:
        _remove_layout_file(runner_params)
        guard.disable()
        if hook_start is not None and hook_start.done() and hook_start.exception() is None:
            hook_start.result().stop()
        controller.shutdown(wait=False)
    return 0


def _remove_layout_file(runner_params: Any) -> None:
    """The demo's per-run layout folder goes with the run."""
    import shutil

    shutil.rmtree(os.path.dirname(runner_params.ini_filename), ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] in (["history"], ["compare"]):  # start-up history, for people and CI
        from imwarmup.core.history_cli import main as history_main

        return history_main(argv)
    args = parse_args(argv)
    if args.mode == "text":
        return run_text(args)
    return run_window(args)


def cli() -> int:
    """``main()`` for the command line: output piped into a reader that stops early (``| head``)
    ends the program quietly instead of with a BrokenPipeError traceback (the recipe of
    Python's ``signal`` docs: stdout goes to devnull so the exit's flush cannot fail again)."""
    try:
        code = main()
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(cli())
