"""How the plugin lives in a hello_imgui app: the callbacks it chains, the dockable window it adds
to every layout, and what it re-checks once the app runs.

``DiagnosticsPlugin.install()``/``wrap()`` make one ``HelloImguiHost``; the plugin keeps its state
and its ``draw_*`` methods, this class only connects them to the runner. Everything here follows
hello_imgui's conventions (``runner_callbacks.h``, ``docking_details.cpp``,
``menu_statusbar.cpp``):

- callbacks are chained (the host's function first, then ours), never replaced; an older chain
  of ours that the host wrapped into its own function steps aside, so the plugin runs once per
  frame, after everything the host added;
- the diagnostics window is a ``DockableWindow`` in every layout, named for the one dock space
  every docking layout has ("MainDockSpace"); a layout the host rebuilds at run time gets it
  back through ``add_dockable_window`` (the runner's own way);
- the status bar is turned on once the runner has read its ini (an ini saved before the plugin
  was added would hide the segment for good).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from imgui_bundle import hello_imgui, imgui

from .command_palette import _MOD_CTRL, _is_key_down  # the quiet frames' Ctrl check
from .debug_window import WINDOW_TITLE
from .status_bar import SteadySegment

if TYPE_CHECKING:
    from .plugin import DiagnosticsPlugin

__all__ = ["HelloImguiHost", "MAIN_DOCK_SPACE"]

# hello_imgui names the full-screen dock space "MainDockSpace" in every docking layout
# (docking_details.cpp): the one dock space name every layout is sure to have.
MAIN_DOCK_SPACE = "MainDockSpace"

_frame_count = imgui.get_frame_count  # a module-level name: the per-frame callback's first call

# A dock node with room for four lanes, the axis and a few table rows; and the smallest one the
# window docks into at all (below that it floats).
_DOCK_NODE_GOOD_EM = (36.0, 20.0)
_DOCK_NODE_USABLE_EM = (24.0, 10.0)


class HelloImguiHost:
    """The plugin's connection to one hello_imgui runner.

    Args:
        plugin: the plugin whose draw methods the callbacks call.
        runner_params: the host's ``RunnerParams`` (``install``) or the running app's (``wrap``).
        running: True when installed from inside a frame (``wrap``): nothing is left to
            re-check at start-up, and the runner's params die with the run.
    """

    def __init__(self, plugin: "DiagnosticsPlugin", runner_params: Any, running: bool,
                 visible: bool = False) -> None:
        self._plugin = plugin
        self._params = runner_params
        self._running_install = running
        self._chained: dict[str, Callable[[], None]] = {}
        self._live: dict[Callable[[], None], list[Callable[[], None]]] = {}  # see _chain
        self._previous: dict[str, Any] = {}
        self._started = running       # _start_of_run() done
        self._visible_at_start = visible
        self._re_adding = False       # add_dockable_window() called, the window not shown yet
        self._shown_frame = -1        # the last frame the dockable window drew, and its layout
        self._shown_layout = ""
        self._status_frame = -1
        self._overlay_frame = -1
        self._overlay_idle_frame = -2  # the status callback's frame when the overlay is idle
        self._shortcut_frame = -1      # the frame the palette's shortcut was last polled
        self._show_fps: Callable[[], bool] | None = None  # reads this run's show_status_fps
        # The segment to draw again on quiet frames (None: a full frame next); the plugin's
        # end_quiet() clears it, from any thread.
        self.steady: SteadySegment | None = None
        self._palette_io: Any = None  # the palette's imgui io, for the quiet frames' check
        self._palette_hot = False      # Ctrl was down on the latest frame that looked

        runner_params.imgui_window_params.show_status_bar = True
        if running:  # (else _start_of_run, once this run's params are the live ones)
            plugin._idling = runner_params.fps_idling
        self._chain(runner_params, "show_status", self._status_callback)
        self._chain(runner_params, "post_render_dockable_windows", self._overlay_callback)
        if not running:
            self._chain(runner_params, "pre_new_frame", self._start_of_run)
            runner_params.callbacks.enqueue_post_init(self._ensure_chained)
        runner_params.callbacks.enqueue_before_exit(self._end_of_run)
        self._add_to_layouts(runner_params)

    # ------------------------------------------------------------------- the window's state
    def live_params(self) -> Any:
        """The running app's params; before or after the run, the host's own (or None after a
        ``wrap()`` run: those params died with it)."""
        try:
            return hello_imgui.get_runner_params()
        except RuntimeError:  # no app is running
            return None if self._running_install else self._params

    def layout_window(self) -> Any:
        """Our DockableWindow in the current layout, or None (a layout that dropped it)."""
        params = self.live_params()
        return None if params is None else params.docking_params.dockable_window_of_name(WINDOW_TITLE)

    def is_open(self) -> bool:
        window = self.layout_window()
        return bool(window is not None and window.is_visible)

    def window_drawn_lately(self, frame: int) -> bool:
        """Our window drew this frame or the last one, or is being added: frames the overlay
        must look at (a layout switch to follow), so no quiet frame.

        An open window draws on every frame (hello_imgui calls a visible window's function each
        frame when it does not Begin/End for it), so its own ``begin_frame`` call ends any quiet
        on its first frame; its ``is_visible`` is not read here (four binding calls, two of them
        attribute reads: about 15 µs on a frame right after the host rendered)."""
        return self._shown_frame >= frame - 1 or self._re_adding

    def show(self) -> None:
        """Make the window visible in the current layout (added back if the layout lost it)."""
        window = self.layout_window()
        if window is not None:
            window.is_visible = True
        elif self.live_params() is not None and not self._re_adding:
            # The host replaced its layout at run time and our window went with it: add it back
            # the way hello_imgui adds windows to a running app (it shows a few frames later).
            self._re_adding = True
            hello_imgui.add_dockable_window(self._make_dockable_window(visible=True))

    # --------------------------------------------------------------------------- callbacks
    # The two per-frame callbacks. hello_imgui calls show_status after the dockable windows and
    # just before post_render_dockable_windows. While the status bar shows, the status callback
    # also does the overlay's per-frame checks (the palette's shortcut, "anything to draw?"), so
    # the overlay callback returns at once when there is nothing to draw: in the steady state
    # the plugin's frame is the status segment and little else (bench_frame_cost.py).
    def _status_callback(self) -> None:
        frame = _frame_count()
        if self._status_frame == frame:
            return  # the host chained show_status twice: draw once
        self._status_frame = frame
        steady = self.steady
        if steady is not None and (steady.frames_left > 0 or (
                steady.checks_left > 0 and self._renew_quiet(steady, frame))):
            # A quiet frame (the warmup is done and nothing moves: DiagnosticsPlugin.begin_frame
            # says when; anything that changes ends it): no poll, the segment drawn again as it
            # was, the palette's shortcut, and nothing for the overlay unless the palette opens.
            steady.frames_left -= 1
            if steady.draw(frame):
                ctrl = self._palette_io is not None and _is_key_down(_MOD_CTRL)
                if ctrl or self._palette_hot:
                    # Ctrl is down (or was last frame: the palette forgets who had the focus).
                    self._palette_hot = ctrl
                    palette = self._plugin.palette
                    palette.poll_shortcut()
                    self._shortcut_frame = frame
                    if palette.is_open:
                        return
                self._overlay_idle_frame = frame
                return
        self._full_status_frame(frame)

    def _renew_quiet(self, steady: SteadySegment, frame: int) -> bool:
        """A quiet period ended: when nothing a full frame reads has moved (a check frame: the
        source's revision and the host's style, ``DiagnosticsPlugin.still_quiet``, and the FPS
        toggle), give ``steady`` another period that starts with this frame. False: the full
        frame, now."""
        plugin = self._plugin
        if not (plugin.still_quiet(frame) and steady is self.steady  # (end_quiet: None)
                and steady.generation == plugin.theme.generation
                and plugin.status_bar.fps_block_unchanged(self._show_fps)):
            steady.checks_left = 0
            return False
        frames = plugin._quiet_frames + 1  # this frame and QUIET_FRAMES more
        steady.checks_left -= 1
        steady.frames_left = frames
        plugin.status_bar.count_quiet_frames(frames)
        return True

    def _full_status_frame(self, frame: int) -> None:
        plugin = self._plugin
        if plugin._frame_seen != frame:
            plugin.begin_frame(frame)  # first in the frame (no window of ours drew)
        show_fps = self._show_fps
        if show_fps is None:
            # A reference into this run's params, read with the segment's geometry every few
            # frames, not per frame (each get_runner_params() and member access builds a
            # Python object: µs in a frame).
            window_params = hello_imgui.get_runner_params().imgui_window_params
            show_fps = self._show_fps = lambda: window_params.show_status_fps
        status_bar = plugin.status_bar
        status_bar.draw_in_host_status_bar(plugin.theme, plugin._now, show_fps, frame=frame)
        palette = plugin.palette
        if palette is not None:
            palette.poll_shortcut()
            self._shortcut_frame = frame
            self._palette_io = palette._io
            self._palette_hot = palette.ctrl_down
            if palette.is_open:
                return
        if not plugin.toasts.toasts and self._shown_frame != frame - 1 and plugin.overlay_idle():
            self._overlay_idle_frame = frame
            quiet = plugin._quiet_frames
            if quiet > 0 and plugin._frame_seen == frame:
                # begin_frame granted quiet frames: the next ones draw this segment again.
                # A test's clock (one read per frame) is read on them too.
                self.steady = steady = status_bar.steady(
                    plugin.theme, quiet, plugin if plugin._clock_each_frame else None)
                if steady is not None:
                    steady.checks_left = plugin._quiet_checks

    def _overlay_callback(self) -> None:
        if self._overlay_idle_frame == self._status_frame:
            # The status callback ran this frame (it runs just before) and found nothing to
            # draw: no imgui call at all here. (Reset, so a frame without the status bar never
            # takes this path by mistake.)
            self._overlay_idle_frame = -2
            return
        plugin = self._plugin
        frame = plugin.begin_frame()
        if self._overlay_frame == frame:
            return
        self._overlay_frame = frame
        if self._shown_frame == frame - 1:
            self._follow_layout_switch()
        palette = plugin.palette
        if palette is not None:
            if self._shortcut_frame != frame:  # the status bar is hidden: poll here
                self._shortcut_frame = frame
                palette.poll_shortcut()
            palette.draw_open()
        plugin.draw_toasts()

    def _follow_layout_switch(self) -> None:
        """The window showed last frame and not this one: if the host switched layouts (each
        layout has its own copy of our DockableWindow, hidden), keep it open in the new one."""
        params = hello_imgui.get_runner_params()
        if params.docking_params.layout_name != self._shown_layout:
            window = params.docking_params.dockable_window_of_name(WINDOW_TITLE)
            if window is not None:
                window.is_visible = True

    def _window_callback(self) -> None:
        """hello_imgui calls this while our DockableWindow is visible (the plugin Begins/Ends)."""
        if imgui.internal.get_current_window().name == WINDOW_TITLE:
            # hello_imgui's add_dockable_window() calls the function once inside its own
            # Begin(our title) to create and dock the window: nothing to draw there.
            return
        self._re_adding = False
        plugin = self._plugin
        plugin.begin_frame()
        params = hello_imgui.get_runner_params()
        self._shown_frame = plugin.frame
        self._shown_layout = params.docking_params.layout_name
        docking = (params.imgui_window_params.default_imgui_window_type
                   == hello_imgui.DefaultImGuiWindowType.provide_full_screen_dock_space)
        if not plugin.draw_diagnostics_window(self._place_in_dock_space if docking else None):
            window = params.docking_params.dockable_window_of_name(WINDOW_TITLE)
            if window is not None:
                window.is_visible = False
            self._shown_frame = -1  # closed by the user: a layout switch must not reopen it

    # ------------------------------------------------------------------- where it docks
    def _place_in_dock_space(self) -> bool:
        """Dock the window's first showing this run; False when no node has room (it floats)."""
        node_id = self._dock_node_for_us()
        if node_id is None:
            return False
        # No position here: SetNextWindowPos would undock it.
        imgui.set_next_window_dock_id(node_id, imgui.Cond_.always)
        return True

    def _dock_node_for_us(self) -> int | None:
        """Where in the host's dock space the window opens, as a tab (never over the host's
        panels): the central node, beside the host's main panel, when it has room for the chart
        and a few table rows; else whichever node has the most room (central node or a node
        holding one of the host's panels); None when no node is even usable (then it floats)."""
        params = hello_imgui.get_runner_params()
        root_id = params.docking_params.dock_space_id_from_name(MAIN_DOCK_SPACE)
        if root_id is None:
            return None
        internal = imgui.internal
        theme = self._plugin.theme
        good_w, good_h = (theme.px(v) for v in _DOCK_NODE_GOOD_EM)
        usable_w, usable_h = (theme.px(v) for v in _DOCK_NODE_USABLE_EM)

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

    # -------------------------------------------------------------- chaining and layouts
    def _make_dockable_window(self, visible: bool = False) -> hello_imgui.DockableWindow:
        window = hello_imgui.DockableWindow()
        window.label = WINDOW_TITLE
        # A name every docking layout has: hello_imgui asserts on an unknown one, and in a
        # layout without a dock space the name is never used.
        window.dock_space_name = MAIN_DOCK_SPACE
        window.is_visible = visible
        window.remember_is_visible = False  # a window that reopens by itself would surprise
        window.include_in_view_menu = True
        # The plugin calls Begin/End itself: to make it opaque, size it to the app window,
        # dock it as a tab on its first opening and focus it.
        window.call_begin_end = False
        window.gui_function = self._window_callback
        return window

    def _add_to_layouts(self, params: Any) -> None:
        """Add the dockable window to the current layout and to every alternative one that lacks
        it (before the first frame, or where no dockable window is being drawn)."""
        docking = params.docking_params  # a reference into the runner's params
        if docking.dockable_window_of_name(WINDOW_TITLE) is None:
            window = self._make_dockable_window(visible=self._visible_at_start)
            docking.dockable_windows = [*docking.dockable_windows, window]
        # Alternative layouts come back as copies: change them, then write the list back.
        alternatives = params.alternative_docking_layouts
        missing = [d for d in alternatives if d.dockable_window_of_name(WINDOW_TITLE) is None]
        for docking in missing:
            docking.dockable_windows = [*docking.dockable_windows, self._make_dockable_window()]
        if missing:
            params.alternative_docking_layouts = alternatives

    def _chain(self, runner_params: Any, name: str, ours: Callable[[], None]) -> None:
        previous = getattr(runner_params.callbacks, name)  # None when the host never set it
        # Only the newest chain calls the plugin: when the host wrapped an older chain of ours
        # into its own function, ours runs after everything the host added (the older chain's
        # ``live`` is emptied). A closure cell, not a dict lookup: this runs on every frame.
        live = [ours]

        def chained() -> None:
            if previous is not None:
                previous()
            if live:
                live[0]()

        older = self._chained.get(name)
        if older is not None:
            self._live[older].clear()
        self._live[chained] = live
        self._chained[name] = chained
        self._previous[name] = previous
        setattr(runner_params.callbacks, name, chained)

    def _ensure_chained(self) -> None:
        """Re-chain callbacks the host assigned after install() and add our window to layouts
        set since (at post-init and on the first frame; cheap when nothing changed)."""
        params = hello_imgui.get_runner_params()
        for name, ours in (
            ("show_status", self._status_callback),
            ("post_render_dockable_windows", self._overlay_callback),
        ):
            if getattr(params.callbacks, name) is not self._chained.get(name):
                # The host replaced or wrapped our chain: chain onto its function; an older
                # chain of ours inside it steps aside (see _chain).
                self._chain(params, name, ours)
        self._add_to_layouts(params)

    def _end_of_run(self) -> None:
        """``before_exit``: forget the run's references, free the plugin's implot context, end
        the frame log's series (no frame comes after the run: see ``plugin.end_of_run``)."""
        self._plugin.end_of_run()
        self._plugin._idling = None
        self._show_fps = None
        self._palette_io = None
        self.steady = None
        self._plugin.debug_window.implot.destroy()
        if self._plugin.palette is not None:
            self._plugin.palette.forget_run()

    def _start_of_run(self) -> None:
        """Once, before the first frame (``pre_new_frame``), after hello_imgui loaded its ini."""
        if self._started:
            return
        self._started = True
        self._show_fps = None
        self._palette_io = None
        self.steady = None
        self._ensure_chained()
        params = hello_imgui.get_runner_params()
        self._plugin._idling = params.fps_idling  # this run's, read by begin_frame
        # hello_imgui restores "View > Status bar" from the ini after post-init: an ini saved
        # before the plugin was added would hide the segment for good. The plugin turns the bar
        # on once per run; the user can still hide it from the View menu.
        params.imgui_window_params.show_status_bar = True
        if params.callbacks.pre_new_frame is self._chained.get("pre_new_frame"):
            # Its job is done: give the host back its own pre_new_frame, so the plugin costs
            # nothing per frame there. An unset callback cannot be restored (the binding refuses
            # None): then hello_imgui's own C++ no-op takes its place, which skips our Python
            # chain (measured in benchmarks/bench_frame_cost.py).
            previous = self._previous.get("pre_new_frame")
            params.callbacks.pre_new_frame = (
                previous if previous is not None else hello_imgui.empty_void_function)

    def status_bar_shown(self) -> bool:
        params = self.live_params()
        return True if params is None else bool(params.imgui_window_params.show_status_bar)
