"""DiagnosticsPlugin: the warmup status bar segment, toasts, command palette and debug window,
installed into a hello_imgui app in one call.

Quick start::

    controller = WarmupController(["numpy", "sqlite3"]); controller.start()
    plugin = DiagnosticsPlugin(controller)
    plugin.install(runner_params)          # before or after the host sets its own callbacks
    immapp.run(runner_params)              # implot optional: the plugin makes its own context

    immapp.run(plugin.wrap(gui))           # a host with a gui function and no RunnerParams

Every frame the plugin polls ``warmup_status()`` once (never waits), updates the status bar and
decides on toasts; worker threads never touch imgui.
"""

from __future__ import annotations

import time
import weakref
from typing import Any, Callable

from imgui_bundle import hello_imgui, imgui

from ..core.frames import FRAME_LOG_TAIL_S
from ..core.report import format_text_report
from ..theme.current import Theme
from ..theme.palette import Role
from ..widgets.toast import ToastTiming
from .command_palette import CommandPalette, PaletteCommand
from .debug_window import WINDOW_TITLE, DebugWindow
from .hello_imgui_host import HelloImguiHost
from .source import check_source
from .status_bar import StatusBar
from .toasts import ToastStack

_request_refresh = hello_imgui.request_refresh  # per frame while warming: one name, no lookup
_TITLE_COLORS = (imgui.Col_.title_bg, imgui.Col_.title_bg_active, imgui.Col_.title_bg_collapsed)

__all__ = ["DiagnosticsPlugin"]


_DEBUG_WINDOW_EM = (58.0, 34.0)  # the diagnostics window's first size, in em

# Once the warmup is done, the status is polled every QUIET_FRAMES + 1 frames (see begin_frame):
# a quarter second at 60 fps, as often as the theme is re-read.
QUIET_FRAMES = 14
# Of those polls, all but one in QUIET_CHECKS + 1 are check frames (``still_quiet``: the
# revision, the theme and the FPS toggle read, the segment drawn as on a quiet frame); the
# other is a full frame (``begin_frame`` and the segment's full draw, about 100 µs): one a
# second at 60 fps.
QUIET_CHECKS = 3
# While warming, the counts are read at most every WARMING_STATUS_FRAMES frames (see begin_frame).
WARMING_STATUS_FRAMES = 6
# The host's ``fps_idling.is_idling`` is read only after a gap between frames this long (s): an
# attribute of a binding object costs ~6 µs on a frame right after the host rendered, and a
# shorter wait, idle or not, is no hitch (hello_imgui idles up to 1 / fps_idle, 111 ms by default).
_IDLE_GAP_S = 0.025
_perf_counter = time.perf_counter


def _waker(plugin_ref: "weakref.ref[DiagnosticsPlugin]") -> Callable[[Any], None]:
    def wake(_record: Any) -> None:  # on a worker: a canary started or ended
        plugin = plugin_ref()
        if plugin is not None:
            plugin.end_quiet()
        hello_imgui.request_refresh()  # documented as callable from any thread

    return wake


class DiagnosticsPlugin:
    """The imwarmup GUI for one warmup source.

    Args:
        source: any object with ``warmup_status()`` and ``canaries()`` (a ``WarmupController``).
        clock: wall-clock seconds (the canaries' clock); read once per frame.
        theme: ``"dark"``, ``"light"`` or None to follow the host's ImGui style.
        palette: None (default): if the host has its own ``imgui_command_palette``, the plugin's
            commands join it and the plugin binds no shortcut; otherwise the plugin owns a
            palette on Ctrl+Shift+P. True: always own one. False: none (register
            ``plugin.commands()`` in the host's palette yourself).
        toast_timing: how long toasts fade in, stay and fade out.
        guard: a ``MainThreadImportGuard`` whose violations the debug window lists.

    Raises:
        TypeError: ``source`` lacks ``warmup_status()``/``canaries()``, or a bad argument.
    """

    def __init__(
        self,
        source: Any,
        *,
        clock: Callable[[], float] = time.time,
        theme: str | None = None,
        palette: bool | None = None,
        toast_timing: ToastTiming | None = None,
        guard: Any = None,
    ) -> None:
        self._source = check_source(source)
        if not (palette is None or palette is True or palette is False):  # 1 == True: use `is`
            raise TypeError(f"DiagnosticsPlugin(): palette must be None, True or False, got {palette!r}")
        # The chart's numpy arrives through the warmup, never on the GUI thread. (A source
        # already started gets it from one background job when the window first opens.)
        self._source.request_modules(["numpy"])
        if not callable(clock):
            raise TypeError(f"DiagnosticsPlugin(): clock must be callable, got {clock!r}")
        self._clock = clock
        self.theme = Theme(theme)
        self.toasts = ToastStack(toast_timing or ToastTiming())
        self.toasts.on_push = self.end_quiet  # a toast pushed by anyone is drawn next frame
        self.status_bar = StatusBar(self._source.canaries, self.show_debug_window,
                                    self._source.warmup_status)
        if guard is not None and not callable(getattr(guard, "violations", None)):
            raise TypeError(f"DiagnosticsPlugin(): guard must have violations(), got {guard!r}")
        self.debug_window = DebugWindow(self._source, self.copy_report, guard=guard)
        self.palette = (None if palette is False else
                        CommandPalette(self.commands(), mode="own" if palette else "auto"))
        self._frame_seen = -1
        self._frame_perf = 0.0  # perf_counter() at the latest begin_frame (see _IDLE_GAP_S)
        self._status_frame = -1
        self._now = clock()
        self._last_state: str | None = None
        self._status_revision: object = object()  # never equal to a real revision
        self._counts_frame = -WARMING_STATUS_FRAMES  # the frame the counts were last read
        self._theme_frame = -1  # the frame the theme last looked at the host's style
        # The running hello_imgui app's FpsIdling (HelloImguiHost sets it for the run): its
        # is_idling, read once per frame, says the host waited for an event before this frame.
        self._idling: Any = None
        self._first_frame_marked = False
        self._read_revision = self._source.read_revision
        # The controller's note_frame() (the import running pauses so the frame gets the GIL
        # first), resolved once: called on every frame while warming, not after. Its
        # frame_noter() hands over the gate's own method (one Python frame less), or None.
        noter = getattr(self._source.source, "frame_noter", None)
        note = noter() if callable(noter) else getattr(self._source.source, "note_frame", None)
        self._note_frame: Callable[[], None] | None = note if callable(note) else None
        self._noting = True  # a warmup may run: note each frame start (until ready/failed)
        # Quiet frames (see begin_frame): frames the status callback may draw without polling.
        self._quiet_frames = 0  # granted by the latest begin_frame (0 after end_quiet())
        self._quiet_checks = 0  # and the check frames that may renew them (see still_quiet)
        # A test's clock (StepClock) expects one read per frame; the wall clock is read only
        # when a frame needs it.
        self._clock_each_frame = clock is not time.time
        # The source's FrameLog, marked once per frame while it records (see _frame_log_window).
        self._frame_log: Any = self._source.frames
        self._frame_log_same_clock = (self._frame_log is not None
                                      and getattr(self._frame_log, "clock", None) is clock)
        self._frame_log_until: float | None = None
        # Installed into a hello_imgui runner: the host connection owns the window's open/closed
        # state (its DockableWindow's is_visible, which the View menu toggles too).
        self._host: HelloImguiHost | None = None
        self._open = False  # the window's open/closed state until then (hosts that draw it)
        self._focus_debug = False
        self._placed = False  # the window's first position this run is decided
        # A canary changed: an idling window draws it, and the next frame polls the status (no
        # quiet frame). The listener holds the plugin weakly: the source must not keep it alive.
        self._source.add_listener(_waker(weakref.ref(self)))

    # ------------------------------------------------------------------------ per frame
    def begin_frame(self, frame: int | None = None) -> int:
        """Once per frame, from whichever of the plugin's callbacks runs first: read the clock
        and the status, decide on toasts. Later calls in the same frame return at once.

        Args:
            frame: this frame's ``imgui.get_frame_count()``, when the caller has just read it
                (None: read here).

        Returns:
            The frame's number (``imgui.get_frame_count()``).
        """
        # Every line here runs on every frame of the host, right after it rendered (cold caches:
        # each Python call or imgui call costs µs; benchmarks/bench_frame_cost.py). The steady
        # frame reads the frame count, the clock and the revision, and nothing else.
        if frame is None:
            frame = imgui.get_frame_count()
        previous = self._frame_seen
        if frame == previous:
            return frame
        self._frame_seen = frame
        self._now = now = self._clock()
        if self._noting and self._note_frame is not None:
            self._note_frame()  # GIL to the frame first, while imports run
        # The host idled before this frame (hello_imgui's idling: it waited for an event, up to
        # 1 / fps_idle): that wait was no frame, and a frame this rare may say what changed.
        # (Only read while it matters: frames logged, or a warmup whose counts it hurries; and
        # only after a gap longer than _IDLE_GAP_S.)
        idling = self._idling
        log = self._frame_log
        perf, self._frame_perf = self._frame_perf, _perf_counter()
        idle = (idling is not None and (log is not None or self._noting)
                and self._frame_perf - perf > _IDLE_GAP_S and idling.is_idling)
        if log is not None:
            log_now = now if self._frame_log_same_clock else log.clock()
            if idle:
                # The wait is kept as an idle wait, never counted as a frame (the frame log's
                # series ends); the next may be as long (no freeze either).
                fps_idle = idling.fps_idle
                log.idle(log_now, 1.0 / fps_idle if fps_idle > 0.0 else 0.0)
            elif log.idle_wait_s:
                log.idle_wait_s = 0.0
            log.mark(log_now)
            if self._frame_log_until is not None and now >= self._frame_log_until:
                log.stop()  # FRAME_LOG_TAIL_S after the warmup ended: the app stops paying
                self._frame_log = None
        if (self._last_state == "warming" and not idle
                and frame - self._counts_frame < WARMING_STATUS_FRAMES):
            # Warming, and the counts were read fewer than WARMING_STATUS_FRAMES frames ago:
            # they are not read again yet, and nothing below changes without them (the line and
            # the state move only there; no quiet frames while warming).
            return frame
        self._refresh_theme(frame)
        # A source with a ``revision`` (WarmupController) is asked for its status only when that
        # number moved: the cheapest frame is the one that copies nothing. Then only the counts.
        try:
            revision = self._read_revision()
            # While warming, the counts are read (and the text measured again) at most every
            # WARMING_STATUS_FRAMES frames: a revision moves with each canary, up to every frame,
            # and reading the counts and laying out the text costs ~100 µs (cold caches).
            if (revision is None or revision != self._status_revision) and (
                    frame - self._counts_frame >= WARMING_STATUS_FRAMES or idle
                    or self._last_state != "warming" or revision is None):
                self._status_revision = revision
                self._counts_frame = frame
                self.status_bar.update_counts(self._source.status_counts(),
                                              self._source.stall_note())
        except Exception as exc:  # noqa: BLE001 - the host's source failing must not crash its app
            self._status_revision = object()  # ask again next frame
            self.status_bar.source_failed(exc)
        line = self.status_bar.line
        state = line.state
        if state != self._last_state:
            self._frame_log_window(state, now)
            if state in ("ready", "failed") and self._last_state not in ("ready", "failed"):
                if line.failed:
                    self.toasts.push(
                        f"Warmup finished: {line.finished - line.failed} ready, {line.failed} failed.",
                        Role.FAILED,
                    )
                else:
                    self.toasts.push(f"All providers ready ({line.total} modules).", Role.READY)
            self._last_state = state
            self._noting = state not in ("ready", "failed")
        if self.toasts.toasts:
            _request_refresh()  # a toast fades in and out: frames while it shows
        # While warming, no refresh is asked for: a host that idles keeps idling (a canary that
        # starts or ends wakes it, the listener), so the warmup gets the CPU the host's frames
        # would take. Asking on every frame made the SDK set's warmup take 6.75 s instead of
        # 4.33 s in an idling host on 2 cores (bench_frames_warming.py, gated-idling-refresh vs
        # gated-idling).
        if not self._first_frame_marked:
            self._first_frame_marked = True
            if self.palette is not None:
                self.palette.attach()  # the host's palette, if it has one, gets our commands
            self._source.mark_ready("first_frame")
        # Once the warmup is done and nothing moves (no toast, frame log stopped, no export
        # running, palette and window closed, a source with a revision), the status callback
        # draws the next QUIET_FRAMES frames again as this one (HelloImguiHost.steady), without
        # this poll: after the host rendered, every line here costs µs (cold caches). A canary
        # starting or ending (the listener), a toast or an export ends the quiet at once; any
        # other change (a revision moved) shows within QUIET_FRAMES + 1 frames. Other callers
        # (the diagnostics window, the overlay with a toast) always get a full begin_frame.
        quiet = (QUIET_FRAMES if (state == "ready" or state == "failed") and log is None
                 and self._status_revision is not None and not self.toasts.toasts
                 and not self.debug_window.trace_export.pending
                 and (self.palette is None or not self.palette.is_open)
                 and (self._host is None or not self._host.window_drawn_lately(frame)) else 0)
        if quiet:
            self._quiet_frames, self._quiet_checks = quiet, QUIET_CHECKS
        elif self._quiet_frames:  # (while warming, no call: quiet frames were never granted)
            self.end_quiet()
        return frame

    def _refresh_theme(self, frame: int) -> None:
        """The theme counts the frames since it last looked (quiet or warming frames skip it)."""
        theme_frame = self._theme_frame
        self._theme_frame = frame
        self.theme.refresh(frame - theme_frame if 0 <= theme_frame < frame else 1)

    def still_quiet(self, frame: int) -> bool:
        """A check frame (the end of a quiet period, see QUIET_CHECKS): the theme looks at the
        host's style when due; True when the source's revision has not moved (the caller
        compares the theme's generation and anything of its own); False: a full frame now."""
        try:
            self._refresh_theme(frame)
            return self._read_revision() == self._status_revision
        except Exception:  # noqa: BLE001 - the full frame reports it (source_failed)
            return False

    def end_quiet(self) -> None:
        """Something changed that the next frame must see (a toast, an export, a canary):
        ``begin_frame()`` runs in full from the next frame on. Any thread."""
        self._quiet_frames = 0
        host = self._host
        if host is not None:
            host.steady = None

    def _frame_log_window(self, state: str, now: float) -> None:
        """The source's FrameLog is marked from the first frame while warming and for
        ``FRAME_LOG_TAIL_S`` after (also before a warmup starts, and again when another one
        starts); then no more, so a long-running app pays nothing for it."""
        frames = self._source.frames
        if frames is None:
            return
        if state == "warming":
            self._frame_log_until = None
            self._frame_log = frames  # marking again from the next frame (a new series)
        elif self._frame_log is not None and self._frame_log_until is None:
            self._frame_log_until = now + FRAME_LOG_TAIL_S

    def __repr__(self) -> str:
        where = "not installed" if self._host is None else "installed"
        return (f"<DiagnosticsPlugin {where}, status {self.status_bar.line.text!r}, "
                f"diagnostics window {'open' if self.debug_window_open else 'closed'}>")

    @property
    def now(self) -> float:
        """The time read at the start of this frame."""
        return self._now

    @property
    def frame(self) -> int:
        """The imgui frame ``begin_frame()`` last ran in."""
        return self._frame_seen

    # ---------------------------------------------------------------- for any imgui host
    def draw_status_bar_item(self) -> None:
        """Draw the status segment at the cursor (inside a status bar or any window); at most
        once per frame however many times it is called."""
        self.begin_frame()
        if self._status_frame == self._frame_seen:
            return
        self._status_frame = self._frame_seen
        self.status_bar.draw(self.theme, self._now)

    def overlay_idle(self) -> bool:
        """True when ``draw_toasts()`` has nothing to do this frame (no toast, nothing to poll
        for one): an installed plugin then skips its overlay callback's work."""
        return not self.toasts.toasts and not self.debug_window.trace_export.pending

    def draw_toasts(self) -> None:
        """Draw the toasts; call it last in the frame so they sit above the app's windows."""
        self.begin_frame()
        if self.debug_window.trace_export.pending:   # an "Export trace" job: say how it went
            self._trace_exported()
        if not self.toasts.active:
            return
        bottom = imgui.get_frame_height() * 1.6 if self._status_bar_shown() else 0.0
        self.toasts.draw(self.theme, self._now, bottom)

    def draw_debug_window(self) -> None:
        """Draw the diagnostics window as a normal ImGui window when it is open (hosts not on
        hello_imgui's runner; an installed plugin's window is drawn by the runner)."""
        self.begin_frame()
        if self._host is None and self._open:
            self._open = self.draw_diagnostics_window(None)

    def draw_palette(self) -> None:
        """Handle Ctrl+Shift+P and draw the plugin's own palette (when it owns one)."""
        if self.palette is not None:
            self.palette.draw()

    def commands(self) -> list[PaletteCommand]:
        """The plugin's palette commands, for a host that has its own palette."""
        return [
            PaletteCommand("Warmup: Show diagnostics", self.show_debug_window),
            PaletteCommand("Warmup: Copy report", self.copy_report),
            PaletteCommand("Warmup: Export trace", self.export_trace),
        ]

    # ------------------------------------------------------------------------- actions
    def show_debug_window(self) -> None:
        """Open (and focus) the "Warmup diagnostics" window, in whatever layout is current."""
        self._focus_debug = True
        self.end_quiet()  # its first frame polls in full (a quiet frame would not notice it)
        if self._host is not None:
            self._host.show()
        else:
            self._open = True

    @property
    def debug_window_open(self) -> bool:
        """Whether the diagnostics window is open (in the current layout)."""
        return self._host.is_open() if self._host is not None else self._open

    def report_text(self) -> str:
        """The text report: summary (wall time, the main thread's time importing heavy modules,
        the frame p99 while warming), canary table (own work and waiting per import), what the
        imports waited for, and the startup profile."""
        profile = self._source.profile_text()
        return format_text_report(self._source.canaries(), self._clock(), profile,
                                  **self.debug_window.report_figures())

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

    def export_trace(self, path: str | None = None) -> str:
        """Write the warmup's Chrome trace (every import, nested per thread; Perfetto and
        speedscope open it) on the source's ``controller-trace-0`` worker, never on the GUI
        thread. A toast and a line in the diagnostics window then say where it went, or why
        not (e.g. a read-only folder).

        Args:
            path: the file; default ``imwarmup-trace-YYYYmmdd-HHMMSS.json`` in the current folder.

        Returns:
            The line shown meanwhile ("Writing the trace to …", or why it cannot start).
        """
        export = self.debug_window.trace_export
        text = export.start(path)
        self.end_quiet()  # the overlay polls the export from the next frame
        if not export.pending:   # refused at once: no worker to write on
            self.toasts.push(text, Role.FAILED)
        return text

    def _trace_exported(self) -> None:
        done = self.debug_window.trace_export.poll()
        if done is not None:
            self.toasts.push(*done)
            hello_imgui.request_refresh()

    # ------------------------------------------------------------------------- install
    def install(self, runner_params: hello_imgui.RunnerParams) -> "DiagnosticsPlugin":
        """Chain the plugin into a hello_imgui app; the host's callbacks keep working.

        Works in every layout: no default window, full-screen window, full-screen dock space
        (the diagnostics window then opens as a tab of the main dock space), alternative
        layouts (it is added to each), ``switch_layout`` and layouts rebuilt at run time.

        Chained (the host's function runs first, then the plugin's): ``callbacks.show_status``
        (status segment, on the line after the host's items), ``callbacks.post_render_dockable_
        windows`` (palette, then toasts, last in the frame), ``callbacks.pre_new_frame`` and
        ``enqueue_post_init`` (re-chain anything the host assigned after ``install()``, then give
        ``pre_new_frame`` back: the host's own, or hello_imgui's C++ ``empty_void_function`` when
        it had none), ``enqueue_before_exit`` (forget the run's params, free the plugin's implot
        context if it made one). Appended to every layout: a dockable window "Warmup diagnostics", hidden
        until opened, listed in the View menu, not reopened by itself on the next run. Turned
        on: ``imgui_window_params.show_status_bar``. See ``panels/hello_imgui_host.py``.

        Returns:
            ``self``.

        Raises:
            RuntimeError: the plugin is already installed.
            TypeError: ``runner_params`` is not a ``hello_imgui.RunnerParams``.
        """
        if self._host is not None:
            raise RuntimeError("install(): the plugin is already installed into a runner")
        if not hasattr(runner_params, "callbacks") or not hasattr(runner_params, "docking_params"):
            raise TypeError(
                f"install(): expected a hello_imgui.RunnerParams, got {type(runner_params).__name__}"
            )
        self._host = HelloImguiHost(self, runner_params, running=False, visible=self._open)
        return self

    def end_of_run(self) -> None:
        """The host's run ends (``before_exit``): the frame log's series ends with it, so the
        app's shutdown after ``immapp.run()`` returns (a warmup still running, a slow cleanup)
        is not taken for a GUI freeze; a later run marks a new series."""
        log = self._source.frames
        if log is not None:
            log.stop()

    def wrap(self, gui_function: Callable[[], None]) -> Callable[[], None]:
        """For hosts that run a gui function: ``immapp.run(plugin.wrap(gui), ...)``.

        On its first frame the wrapper installs the plugin into the running app (status bar,
        toasts, palette, the diagnostics window in the View menu when there is one), then calls
        ``gui_function`` every frame.

        Raises:
            TypeError: ``gui_function`` is not callable.
        """
        if not callable(gui_function):
            raise TypeError(f"wrap(): expected the host's gui function, got {gui_function!r}")

        def gui() -> None:
            if self._host is None:
                # Inside show_gui: before the dockable windows are drawn, so adding ours to the
                # live layout is safe here.
                self._host = HelloImguiHost(self, hello_imgui.get_runner_params(), running=True,
                                            visible=self._open)
            gui_function()

        return gui

    # ------------------------------------------------------------- the diagnostics window
    def draw_diagnostics_window(self, place: Callable[[], bool] | None) -> bool:
        """Begin/draw/End the diagnostics window; returns False once the user closed it.

        Args:
            place: called before the window's first showing in this run to position it (e.g.
                dock it in the host's dock space); returns False when it did not, and the
                window then floats, sized to fit the app window. Afterwards the user moves it.
        """
        if self._focus_debug:
            self._focus_debug = False
            imgui.set_next_window_focus()
        if not self._placed:
            self._placed = True
            if place is None or not place():
                self._place_floating_window()
        # Opaque over any host: ImGui's default window background lets 6% of what is behind
        # show through, and many themes' title bars far more, enough to make the host's text
        # bleed into ours.
        imgui.set_next_window_bg_alpha(1.0)
        for col in _TITLE_COLORS:
            c = imgui.get_style_color_vec4(col)
            imgui.push_style_color(col, imgui.ImVec4(c.x, c.y, c.z, 1.0))
        expanded, still_open = imgui.begin(WINDOW_TITLE, True)
        imgui.pop_style_color(len(_TITLE_COLORS))
        try:
            if expanded:
                self.debug_window.draw_contents(self.theme, self._now)
        finally:
            imgui.end()
        return bool(still_open)

    def _place_floating_window(self) -> None:
        # hello_imgui's DockableWindow.window_size is set before fonts load (em unknown), so the
        # window sizes itself here, once per run; the user's resizing wins afterwards.
        viewport = imgui.get_main_viewport()
        left, top = self.theme.px(1.5), self.theme.px(2.5)
        # Fits the app window: a small window gets a smaller diagnostics window, never one
        # that hangs over the status bar or off the screen.
        bottom = imgui.get_frame_height() * 2.0 if self._status_bar_shown() else left
        wanted = hello_imgui.em_to_vec2(*_DEBUG_WINDOW_EM)
        imgui.set_next_window_size(imgui.ImVec2(
            max(self.theme.px(20.0), min(wanted.x, viewport.work_size.x - 2 * left)),
            max(self.theme.px(12.0), min(wanted.y, viewport.work_size.y - top - bottom)),
        ))
        imgui.set_next_window_pos(imgui.ImVec2(viewport.work_pos.x + left, viewport.work_pos.y + top))

    def _status_bar_shown(self) -> bool:
        return True if self._host is None else self._host.status_bar_shown()
