"""DiagnosticsPlugin: the warmup status bar segment, toasts, command palette and debug window,
installed into a hello_imgui app in one call.

Quick start::

    controller = WarmupController(["numpy", "sqlite3"]); controller.start()
    plugin = DiagnosticsPlugin(controller)
    plugin.install(runner_params)          # before or after the host sets its own callbacks
    immapp.run(runner_params, immapp.AddOnsParams(with_implot=True))

Every frame the plugin polls ``warmup_status()`` once (never waits), updates the status bar and
decides on toasts; worker threads never touch imgui.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from imgui_bundle import hello_imgui, imgui

from ..core.report import format_text_report
from ..theme.current import Theme
from ..theme.palette import Role
from ..widgets.toast import ToastTiming
from .command_palette import CommandPalette, PaletteCommand
from .debug_window import WINDOW_TITLE, DebugWindow
from .source import check_source
from .status_bar import StatusBar
from .toasts import ToastStack

__all__ = ["DiagnosticsPlugin"]


_DEBUG_WINDOW_EM = (58.0, 34.0)  # the diagnostics window's first size, in em


class DiagnosticsPlugin:
    """The imwarmup GUI for one warmup source.

    Args:
        source: any object with ``warmup_status()`` and ``canaries()`` (a ``WarmupController``).
        clock: wall-clock seconds (the canaries' clock); read once per frame.
        theme: ``"dark"``, ``"light"`` or None to follow the host's ImGui style.
        palette: own a command palette (Ctrl+Shift+P). Pass False when the host has one, and
            register ``plugin.commands()`` there.
        toast_timing: how long toasts fade in, stay and fade out.
        guard: a ``MainThreadImportGuard`` whose violations the debug window lists.

    Raises:
        TypeError: ``source`` lacks ``warmup_status()``/``canaries()``.
    """

    def __init__(
        self,
        source: Any,
        *,
        clock: Callable[[], float] = time.time,
        theme: str | None = None,
        palette: bool = True,
        toast_timing: ToastTiming | None = None,
        guard: Any = None,
    ) -> None:
        self._source = check_source(source)
        add_modules = getattr(source, "add_modules", None)
        if callable(add_modules) and getattr(source, "started", True) is False:
            # The chart's numpy arrives through the warmup, never on the GUI thread. (A source
            # already started gets it from one background job when the window first opens.)
            add_modules(["numpy"])
        if not callable(clock):
            raise TypeError(f"DiagnosticsPlugin(): clock must be callable, got {clock!r}")
        self._clock = clock
        self.theme = Theme(theme)
        self.toasts = ToastStack(toast_timing or ToastTiming())
        self.status_bar = StatusBar(self._source.canaries, self.show_debug_window)
        if guard is not None and not callable(getattr(guard, "violations", None)):
            raise TypeError(f"DiagnosticsPlugin(): guard must have violations(), got {guard!r}")
        self.debug_window = DebugWindow(self._source, self.copy_report, guard=guard)
        self.palette = CommandPalette(self.commands()) if palette else None
        self._frame_seen = -1
        self._now = clock()
        self._last_state: str | None = None
        self._status_revision: object = object()  # never equal to a real revision
        self._first_frame_marked = False
        self._runner_params: Any = None
        self._debug_open = False  # used when not installed into a hello_imgui runner
        self._chained: dict[str, Callable[[], None]] = {}
        self._previous: dict[str, Any] = {}
        self._ensured = False
        self._debug_window_sized = False
        add_listener = getattr(self._source, "add_listener", None)
        if callable(add_listener):
            add_listener(self._wake)  # a canary changed: an idling window draws the news

    # ------------------------------------------------------------------------ per frame
    @staticmethod
    def _wake(_record: Any) -> None:
        hello_imgui.request_refresh()  # documented as callable from any thread

    def _frame(self) -> None:
        """Once per frame, from whichever of the plugin's callbacks runs first."""
        frame = imgui.get_frame_count()
        if frame == self._frame_seen:
            return
        self._frame_seen = frame
        self._now = now = self._clock()
        self.theme.refresh()
        # A source with a ``revision`` (WarmupController) is asked for its status only when that
        # number moved: the cheapest frame is the one that copies nothing.
        try:
            revision = getattr(self._source, "revision", None)
            if revision is None or revision != self._status_revision:
                self._status_revision = revision
                self.status_bar.update(self._source.warmup_status())
        except Exception as exc:  # noqa: BLE001 - the host's source failing must not crash its app
            self._status_revision = object()  # ask again next frame
            self.status_bar.source_failed(exc)
        line = self.status_bar.line
        state = line.state
        if state != self._last_state:
            if state in ("ready", "failed") and self._last_state not in ("ready", "failed"):
                if line.failed:
                    self.toasts.push(
                        f"Warmup finished: {line.finished - line.failed} ready, {line.failed} failed.",
                        Role.FAILED,
                    )
                else:
                    self.toasts.push(f"All providers ready ({line.total} modules).", Role.READY)
            self._last_state = state
        if state == "warming" or self.toasts.active:
            hello_imgui.request_refresh()  # keep frames coming; the host's idling is untouched
        if not self._first_frame_marked:
            self._first_frame_marked = True
            profiler = getattr(self._source, "profiler", None)
            if profiler is not None and callable(getattr(profiler, "mark_ready", None)):
                profiler.mark_ready("first_frame")

    @property
    def now(self) -> float:
        """The time read at the start of this frame."""
        return self._now

    # ---------------------------------------------------------------- for any imgui host
    def draw_status_bar_item(self) -> None:
        """Draw the status segment (inside a status bar or any window)."""
        self._frame()
        self.status_bar.draw(self.theme, self._now)

    def draw_toasts(self) -> None:
        """Draw the toasts; call it last in the frame so they sit above the app's windows."""
        self._frame()
        if not self.toasts.active:
            return
        bottom = imgui.get_frame_height() * 1.6 if self._status_bar_shown() else 0.0
        self.toasts.draw(self.theme, self._now, bottom)

    def draw_debug_window(self) -> None:
        """Draw the debug window as a normal ImGui window when it is open (non-hello_imgui hosts)."""
        self._frame()
        if not self._debug_open:
            return
        imgui.set_next_window_size(hello_imgui.em_to_vec2(*_DEBUG_WINDOW_EM), imgui.Cond_.first_use_ever)
        expanded, self._debug_open = imgui.begin(WINDOW_TITLE, self._debug_open)
        if expanded:
            self.debug_window.draw_contents(self.theme, self._now)
        imgui.end()

    def draw_palette(self) -> None:
        """Handle Ctrl+Shift+P and draw the plugin's own palette (when it owns one)."""
        if self.palette is not None:
            self.palette.draw()

    def commands(self) -> list[PaletteCommand]:
        """The plugin's palette commands, for a host that has its own palette."""
        return [
            PaletteCommand("Warmup: Show diagnostics", self.show_debug_window),
            PaletteCommand("Warmup: Copy report", self.copy_report),
        ]

    # ------------------------------------------------------------------------- actions
    def show_debug_window(self) -> None:
        """Open (and focus) the "Warmup diagnostics" window."""
        self._debug_open = True
        if self._runner_params is not None:
            window = hello_imgui.get_runner_params().docking_params.dockable_window_of_name(
                WINDOW_TITLE
            )
            if window is not None:
                window.is_visible = True
                window.focus_window_at_next_frame = True

    def report_text(self) -> str:
        """The text report: summary, canary table and startup profile."""
        profiler = getattr(self._source, "profiler", None)
        profile = profiler.format_report() if profiler is not None else None
        return format_text_report(self._source.canaries(), self._clock(), profile)

    def copy_report(self) -> None:
        """Put the text report on the clipboard and say so in a toast (or say why not)."""
        try:
            text = self.report_text()
        except Exception as exc:  # noqa: BLE001 - a failing source must not crash the app
            self.toasts.push(f"Could not build the warmup report: {type(exc).__name__}: {exc}",
                             Role.FAILED)
            return
        imgui.set_clipboard_text(text)
        self.toasts.push("Warmup report copied to the clipboard.", Role.READY)

    # ------------------------------------------------------------------------- install
    def install(self, runner_params: hello_imgui.RunnerParams) -> "DiagnosticsPlugin":
        """Chain the plugin into a hello_imgui app; the host's callbacks keep working.

        Chained (the host's function runs first, then the plugin's): ``callbacks.show_status``
        (status segment), ``callbacks.post_render_dockable_windows`` (palette, then toasts, last
        in the frame), ``callbacks.pre_new_frame`` and ``enqueue_post_init`` (re-chain anything
        the host assigned after ``install()``). Appended: a dockable window "Warmup diagnostics",
        hidden until opened, listed in the View menu, not remembered across runs. Turned on:
        ``imgui_window_params.show_status_bar``.

        Returns:
            ``self``.
        """
        if self._runner_params is not None:
            raise RuntimeError("install(): the plugin is already installed into a runner")
        if not hasattr(runner_params, "callbacks") or not hasattr(runner_params, "docking_params"):
            raise TypeError(
                f"install(): expected a hello_imgui.RunnerParams, got {type(runner_params).__name__}"
            )
        self._runner_params = runner_params
        runner_params.imgui_window_params.show_status_bar = True
        self._chain(runner_params, "show_status", self._status_bar_callback)
        self._chain(runner_params, "post_render_dockable_windows", self._overlay_callback)
        self._chain(runner_params, "pre_new_frame", self._ensure_chained)
        runner_params.callbacks.enqueue_post_init(self._ensure_chained)
        docking = runner_params.docking_params
        docking.dockable_windows = [*docking.dockable_windows, self._make_dockable_window()]
        return self

    def _make_dockable_window(self) -> hello_imgui.DockableWindow:
        window = hello_imgui.DockableWindow()
        window.label = WINDOW_TITLE
        window.is_visible = False
        window.remember_is_visible = False  # a window that reopens by itself would surprise
        window.include_in_view_menu = True
        window.gui_function = self._debug_window_callback
        return window

    def _status_bar_callback(self) -> None:
        self.draw_status_bar_item()

    def _overlay_callback(self) -> None:
        self._frame()
        self.draw_palette()
        self.draw_toasts()

    def _debug_window_callback(self) -> None:
        self._frame()
        if not self._debug_window_sized:
            # hello_imgui's DockableWindow.window_size is set before fonts load (em unknown), so
            # the first time the window shows it sizes itself here, once; the user's resizing wins.
            self._debug_window_sized = True
            viewport = imgui.get_main_viewport()
            left, top = self.theme.px(1.5), self.theme.px(2.5)
            # Fits the app window: a small window gets a smaller diagnostics window, never one
            # that hangs over the status bar or off the screen.
            bottom = imgui.get_frame_height() * 2.0 if self._status_bar_shown() else left
            wanted = hello_imgui.em_to_vec2(*_DEBUG_WINDOW_EM)
            imgui.set_window_size(imgui.ImVec2(
                max(self.theme.px(20.0), min(wanted.x, viewport.work_size.x - 2 * left)),
                max(self.theme.px(12.0), min(wanted.y, viewport.work_size.y - top - bottom)),
            ))
            imgui.set_window_pos(imgui.ImVec2(viewport.work_pos.x + left, viewport.work_pos.y + top))
        self.debug_window.draw_contents(self.theme, self._now)

    def _chain(self, runner_params: Any, name: str, ours: Callable[[], None]) -> None:
        previous = getattr(runner_params.callbacks, name)  # None when the host never set it

        def chained() -> None:
            if previous is not None:
                previous()
            ours()

        self._chained[name] = chained
        self._previous[name] = previous
        setattr(runner_params.callbacks, name, chained)

    def _ensure_chained(self) -> None:
        """Re-chain callbacks the host assigned after install() (runs once, at start-up)."""
        if self._ensured:
            return
        self._ensured = True
        params = hello_imgui.get_runner_params()
        previous = self._previous.get("pre_new_frame")
        if previous is not None and params.callbacks.pre_new_frame is self._chained.get("pre_new_frame"):
            # Its job is done: give the host back its own pre_new_frame, so the plugin does not
            # cost a Python call per frame there. (An unset callback cannot be restored: the
            # binding refuses None, so then the chain stays and returns at once.)
            params.callbacks.pre_new_frame = previous
        for name, ours in (
            ("show_status", self._status_bar_callback),
            ("post_render_dockable_windows", self._overlay_callback),
        ):
            if getattr(params.callbacks, name) is not self._chained.get(name):
                # The host replaced our chain: wrap its function too. A chain that still holds
                # ours somewhere inside is harmless: the per-frame guard draws once.
                self._chain(params, name, ours)
        params.imgui_window_params.show_status_bar = True
        if params.docking_params.dockable_window_of_name(WINDOW_TITLE) is None:
            hello_imgui.add_dockable_window(self._make_dockable_window())

    def _status_bar_shown(self) -> bool:
        if self._runner_params is None:
            return True
        return hello_imgui.get_runner_params().imgui_window_params.show_status_bar
