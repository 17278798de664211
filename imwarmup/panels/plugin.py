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

# hello_imgui names the full-screen dock space "MainDockSpace" in every docking layout
# (docking_details.cpp): the one dock space name every layout is sure to have.
_MAIN_DOCK_SPACE = "MainDockSpace"

_TITLE_COLORS = (imgui.Col_.title_bg, imgui.Col_.title_bg_active, imgui.Col_.title_bg_collapsed)

__all__ = ["DiagnosticsPlugin"]


_DEBUG_WINDOW_EM = (58.0, 34.0)  # the diagnostics window's first size, in em
# A dock node with room for four lanes, the axis and a few table rows; and the smallest one the
# window docks into at all (below that it floats).
_DOCK_NODE_GOOD_EM = (36.0, 20.0)
_DOCK_NODE_USABLE_EM = (24.0, 10.0)


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
        self.status_bar = StatusBar(self._source.canaries, self.show_debug_window)
        if guard is not None and not callable(getattr(guard, "violations", None)):
            raise TypeError(f"DiagnosticsPlugin(): guard must have violations(), got {guard!r}")
        self.debug_window = DebugWindow(self._source, self.copy_report, guard=guard)
        self.palette = (None if palette is False else
                        CommandPalette(self.commands(), mode="own" if palette else "auto"))
        self._frame_seen = -1
        self._status_frame = -1
        self._overlay_frame = -1
        self._now = clock()
        self._last_state: str | None = None
        self._status_revision: object = object()  # never equal to a real revision
        self._first_frame_marked = False
        self._runner_params: Any = None  # set once installed into a hello_imgui runner
        # Open/closed for a window the plugin draws itself (hosts without hello_imgui's runner,
        # or a layout that lost the dockable window); in a layout the DockableWindow says.
        self._debug_open = False
        self._focus_debug = False
        self._placed = False  # the window's first position this run is decided
        self._re_adding = False  # add_dockable_window() called, the window not shown yet
        self._shown_frame = -1  # the last frame the dockable window drew (and in which layout)
        self._shown_layout = ""
        self._chained: dict[str, Callable[[], None]] = {}
        self._previous: dict[str, Any] = {}
        self._ensured = False  # _start_of_run() done
        self._wrapped = False  # installed by wrap(): the runner's params are not the host's
        self._source.add_listener(self._wake)  # a canary changed: an idling window draws it

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
            revision = self._source.revision()
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
            if self.palette is not None:
                self.palette.attach()  # the host's palette, if it has one, gets our commands
            self._source.mark_ready("first_frame")

    @property
    def now(self) -> float:
        """The time read at the start of this frame."""
        return self._now

    # ---------------------------------------------------------------- for any imgui host
    def draw_status_bar_item(self) -> None:
        """Draw the status segment at the cursor (inside a status bar or any window); at most
        once per frame however many times it is called."""
        self._frame()
        if self._status_frame == self._frame_seen:
            return
        self._status_frame = self._frame_seen
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
        if self._debug_open:
            self._debug_open = self._begin_debug_window(docking=False)

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
        """Open (and focus) the "Warmup diagnostics" window, in whatever layout is current."""
        self._focus_debug = True
        window = self._layout_window()
        if window is not None:
            window.is_visible = True
        elif self._runner_params is not None and self._running():
            # The host replaced its layout at run time and our window went with it: add it back
            # the way hello_imgui adds windows to a running app (it shows a few frames later).
            if not self._re_adding:
                self._re_adding = True
                hello_imgui.add_dockable_window(self._make_dockable_window(visible=True))
        else:
            # Not installed into a hello_imgui runner: the host draws it with draw_debug_window().
            self._debug_open = True

    @staticmethod
    def _running() -> bool:
        try:
            hello_imgui.get_runner_params()
        except RuntimeError:  # no app is running
            return False
        return True

    @property
    def debug_window_open(self) -> bool:
        """Whether the diagnostics window is open (in the current layout)."""
        window = self._layout_window()
        return bool(window.is_visible) if window is not None else self._debug_open

    def report_text(self) -> str:
        """The text report: summary, canary table and startup profile."""
        profile = self._source.profile_text()
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

        Works in every layout: no default window, full-screen window, full-screen dock space
        (the diagnostics window then opens as a tab of the main dock space), alternative
        layouts (it is added to each) and ``switch_layout``.

        Chained (the host's function runs first, then the plugin's): ``callbacks.show_status``
        (status segment, on the line after the host's items), ``callbacks.post_render_dockable_
        windows`` (palette, then toasts, last in the frame), ``callbacks.pre_new_frame`` and
        ``enqueue_post_init`` (re-chain anything the host assigned after ``install()``, then give
        ``pre_new_frame`` back), ``enqueue_before_exit`` (free the plugin's implot context, if it
        made one). Appended to every layout: a dockable window "Warmup diagnostics", hidden
        until opened, listed in the View menu, not reopened by itself on the next run. Turned
        on: ``imgui_window_params.show_status_bar``.

        Returns:
            ``self``.

        Raises:
            RuntimeError: the plugin is already installed.
            TypeError: ``runner_params`` is not a ``hello_imgui.RunnerParams``.
        """
        if self._runner_params is not None:
            raise RuntimeError("install(): the plugin is already installed into a runner")
        if not hasattr(runner_params, "callbacks") or not hasattr(runner_params, "docking_params"):
            raise TypeError(
                f"install(): expected a hello_imgui.RunnerParams, got {type(runner_params).__name__}"
            )
        self._install(runner_params, running=False)
        return self

    def _install(self, runner_params: Any, running: bool) -> None:
        self._runner_params = runner_params
        runner_params.imgui_window_params.show_status_bar = True
        self._chain(runner_params, "show_status", self._status_bar_callback)
        self._chain(runner_params, "post_render_dockable_windows", self._overlay_callback)
        if running:
            self._ensured = True  # nothing left for a later callback to re-chain
        else:
            self._chain(runner_params, "pre_new_frame", self._start_of_run)
            runner_params.callbacks.enqueue_post_init(self._ensure_chained)
        runner_params.callbacks.enqueue_before_exit(self.debug_window.implot.destroy)
        self._add_to_layouts(runner_params)

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
            if self._runner_params is None:
                self._wrapped = True
                # Inside show_gui: before the dockable windows are drawn, so adding ours to the
                # live layout is safe here.
                self._install(hello_imgui.get_runner_params(), running=True)
            gui_function()

        return gui

    def _make_dockable_window(self, visible: bool = False) -> hello_imgui.DockableWindow:
        window = hello_imgui.DockableWindow()
        window.label = WINDOW_TITLE
        # A name every docking layout has: hello_imgui asserts on an unknown one, and in a
        # layout without a dock space the name is never used.
        window.dock_space_name = _MAIN_DOCK_SPACE
        window.is_visible = visible
        window.remember_is_visible = False  # a window that reopens by itself would surprise
        window.include_in_view_menu = True
        # The plugin calls Begin/End itself: to make it opaque, size it to the app window,
        # dock it as a tab on its first opening and focus it.
        window.call_begin_end = False
        window.gui_function = self._debug_window_callback
        return window

    def _add_to_layouts(self, params: Any) -> None:
        """Add the dockable window to the current layout and to every alternative one that lacks
        it (call before the first frame, or where no dockable window is being drawn)."""
        docking = params.docking_params  # a reference into the runner's params
        if docking.dockable_window_of_name(WINDOW_TITLE) is None:
            docking.dockable_windows = [*docking.dockable_windows, self._make_dockable_window()]
        # Alternative layouts come back as copies: change them, then write the list back.
        alternatives = params.alternative_docking_layouts
        missing = [d for d in alternatives if d.dockable_window_of_name(WINDOW_TITLE) is None]
        for docking in missing:
            docking.dockable_windows = [*docking.dockable_windows, self._make_dockable_window()]
        if missing:
            params.alternative_docking_layouts = alternatives

    def _layout_window(self) -> Any:
        """Our DockableWindow in the current layout, or None (not installed, or it was dropped)."""
        if self._runner_params is None:
            return None
        try:
            params = hello_imgui.get_runner_params()
        except RuntimeError:  # the app is not running (before or after immapp.run)
            if self._wrapped:
                return None  # the runner's own params died with it
            params = self._runner_params  # the host's object: the one the runner used
        return params.docking_params.dockable_window_of_name(WINDOW_TITLE)

    def _status_bar_callback(self) -> None:
        self._frame()
        if self._status_frame == self._frame_seen:
            return  # the host chained show_status twice: draw once
        self._status_frame = self._frame_seen
        params = hello_imgui.get_runner_params()
        self.status_bar.draw_in_host_status_bar(
            self.theme, self._now, fps_block=params.imgui_window_params.show_status_fps
        )

    def _overlay_callback(self) -> None:
        self._frame()
        if self._overlay_frame == self._frame_seen:
            return
        self._overlay_frame = self._frame_seen
        if self._shown_frame == self._frame_seen - 1:
            self._follow_layout_switch()
        if self._debug_open:
            # The current layout has no dockable window of ours: draw it as a plain window.
            window = self._layout_window()
            if window is not None:
                window.is_visible, self._debug_open = True, False
            else:
                self._debug_open = self._begin_debug_window(docking=False)
        self.draw_palette()
        self.draw_toasts()

    def _follow_layout_switch(self) -> None:
        """The window showed last frame and not this one: if the host switched layouts (each
        layout has its own copy of our DockableWindow, hidden), keep it open in the new one."""
        params = hello_imgui.get_runner_params()
        if params.docking_params.layout_name != self._shown_layout:
            window = params.docking_params.dockable_window_of_name(WINDOW_TITLE)
            if window is not None:
                window.is_visible = True

    def _debug_window_callback(self) -> None:
        """hello_imgui calls this while our DockableWindow is visible (we Begin/End ourselves)."""
        if imgui.internal.get_current_window().name == WINDOW_TITLE:
            # hello_imgui's add_dockable_window() calls the function once inside its own
            # Begin(our title) to create and dock the window: nothing to draw there.
            return
        self._re_adding = False
        self._frame()
        params = hello_imgui.get_runner_params()
        self._shown_frame = self._frame_seen
        self._shown_layout = params.docking_params.layout_name
        docking = (params.imgui_window_params.default_imgui_window_type
                   == hello_imgui.DefaultImGuiWindowType.provide_full_screen_dock_space)
        if not self._begin_debug_window(docking):
            window = params.docking_params.dockable_window_of_name(WINDOW_TITLE)
            if window is not None:
                window.is_visible = False
            self._shown_frame = -1  # closed by the user: a layout switch must not reopen it

    def _begin_debug_window(self, docking: bool) -> bool:
        """Begin/draw/End the diagnostics window; returns False once the user closed it.

        Args:
            docking: the host has a full-screen dock space. The first time the window shows in
                a run it goes there as a tab (see ``_dock_node_for_us``); afterwards the user
                moves it where they like.
        """
        if self._focus_debug:
            self._focus_debug = False
            imgui.set_next_window_focus()
        if not self._placed:
            self._placed = True
            node_id = self._dock_node_for_us() if docking else None
            if node_id is not None:
                # No position here: SetNextWindowPos would undock it.
                imgui.set_next_window_dock_id(node_id, imgui.Cond_.always)
            else:
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

    def _dock_node_for_us(self) -> int | None:
        """Where in the host's dock space the window opens, as a tab (never over the host's
        panels): the central node, beside the host's main panel, when it has room for the chart
        and a few table rows; else whichever node has the most room (central node or a node
        holding one of the host's panels); None when no node is even usable (then it floats)."""
        params = hello_imgui.get_runner_params()
        root_id = params.docking_params.dock_space_id_from_name(_MAIN_DOCK_SPACE)
        if root_id is None:
            return None
        internal = imgui.internal
        good_w, good_h = (self.theme.px(v) for v in _DOCK_NODE_GOOD_EM)
        usable_w, usable_h = (self.theme.px(v) for v in _DOCK_NODE_USABLE_EM)

        def room(node: Any) -> float:
            if node is None or node.size.x < usable_w or node.size.y < usable_h:
                return 0.0
            return node.size.x * node.size.y

        central = internal.dock_builder_get_central_node(root_id)
        if central is not None and central.size.x >= good_w and central.size.y >= good_h:
            return central.id_
        best, best_room = central, room(central)
        for dockable in params.docking_params.dockable_windows:
            if dockable.label == WINDOW_TITLE or not dockable.is_visible:
                continue
            window = internal.find_window_by_name(dockable.label)
            node = window.dock_node if window is not None else None
            if node is None or internal.dock_node_get_root_node(node).id_ != root_id:
                continue
            if room(node) > best_room:
                best, best_room = node, room(node)
        return best.id_ if best is not None and best_room > 0.0 else None

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

    def _chain(self, runner_params: Any, name: str, ours: Callable[[], None]) -> None:
        previous = getattr(runner_params.callbacks, name)  # None when the host never set it

        def chained() -> None:
            if previous is not None:
                previous()
            # Only the newest chain calls the plugin: when the host wrapped an older chain of
            # ours into its own function, ours runs after everything the host added.
            if self._chained.get(name) is chained:
                ours()

        self._chained[name] = chained
        self._previous[name] = previous
        setattr(runner_params.callbacks, name, chained)

    def _ensure_chained(self) -> None:
        """Re-chain callbacks the host assigned after install() and add our window to layouts
        set since (at post-init and on the first frame; cheap when nothing changed)."""
        params = hello_imgui.get_runner_params()
        for name, ours in (
            ("show_status", self._status_bar_callback),
            ("post_render_dockable_windows", self._overlay_callback),
        ):
            if getattr(params.callbacks, name) is not self._chained.get(name):
                # The host replaced or wrapped our chain: chain onto its function; an older
                # chain of ours inside it steps aside (see _chain).
                self._chain(params, name, ours)
        self._add_to_layouts(params)

    def _start_of_run(self) -> None:
        """Once, before the first frame (``pre_new_frame``), after hello_imgui loaded its ini."""
        if self._ensured:
            return
        self._ensured = True
        self._ensure_chained()
        params = hello_imgui.get_runner_params()
        # hello_imgui restores "View > Status bar" from the ini after post-init: an ini saved
        # before the plugin was added would hide the segment for good. The plugin turns the bar
        # on once per run; the user can still hide it from the View menu.
        params.imgui_window_params.show_status_bar = True
        previous = self._previous.get("pre_new_frame")
        if previous is not None and params.callbacks.pre_new_frame is self._chained.get("pre_new_frame"):
            # Its job is done: give the host back its own pre_new_frame, so the plugin does not
            # cost a Python call per frame there. (An unset callback cannot be restored: the
            # binding refuses None, so then the chain stays and returns at once.)
            params.callbacks.pre_new_frame = previous

    def _status_bar_shown(self) -> bool:
        if self._runner_params is None:
            return True
        return hello_imgui.get_runner_params().imgui_window_params.show_status_bar
