"""A host app whose warmup source the script changes frame by frame, to check the plugin's quiet
frames (issue 13 target 3): once the warmup is done the status is polled every few frames only,
the segment is still drawn on every frame, and a change shows as soon as it must.

argv: RESULT_JSON
"""

import json
import os
import sys
import tempfile
import threading

from imgui_bundle import hello_imgui, imgui, immapp

from imwarmup.panels import DiagnosticsPlugin
from imwarmup.panels.plugin import QUIET_FRAMES
from imwarmup.widgets.toast import ToastTiming

result_path = sys.argv[1]


class Source:
    """A warmup source with a revision (its reads counted) and listeners, set by the script."""

    def __init__(self) -> None:
        self._revision = 0
        self.reads = 0
        self.status = {"pending": [], "completed": ["json"], "failed": []}
        self.listeners = []
        self.canary_reads = 0

    @property
    def revision(self) -> int:
        self.reads += 1
        return self._revision

    def set(self, pending=(), completed=(), failed=(), notify=False) -> None:
        self.status = {"pending": list(pending), "completed": list(completed), "failed": list(failed)}
        self._revision += 1
        if notify:  # as a worker does when a canary starts or ends
            worker = threading.Thread(target=lambda: [f({}) for f in self.listeners])
            worker.start()
            worker.join()

    def warmup_status(self):
        return self.status

    def canaries(self):
        self.canary_reads += 1  # the segment's tooltip reads them (while hovered)
        return []

    def add_listener(self, listener) -> None:
        self.listeners.append(listener)


source = Source()
plugin = DiagnosticsPlugin(source, toast_timing=ToastTiming(fade_in=1e-3, hold=0.0, fade_out=1e-3))
params = hello_imgui.RunnerParams()
params.app_window_params.window_geometry.size = (640, 480)
params.ini_folder_type = hello_imgui.IniFolderType.absolute_path
params.ini_filename = os.path.join(tempfile.mkdtemp(prefix="imwarmup-quiet-app-"), "imgui.ini")
params.fps_idling.enable_idling = False
params.imgui_window_params.show_status_fps = False

seen = {"quiet_frames": [], "full_frames": [], "warming_after_listener": None, "failed_after": None,
        "toast_frame": None, "grown": None, "shortcut": None, "style_after": None, "fps_after": None, "hover": None, "click": None, "errors": []}
script = {"phase": "settle", "since": 0, "reads": 0, "last": None}
push_toast = [False]
host = {"text": "host item", "right": None}


def host_status() -> None:
    imgui.text(host["text"])
    host["right"] = imgui.get_item_rect_max().x


def gui() -> None:
    imgui.text("host window")
    if push_toast[0]:
        push_toast[0] = False
        plugin.toasts.push("From the host")  # before show_status: this frame draws it


def settled() -> bool:
    return not plugin.toasts.toasts and plugin.status_bar.line.state in ("ready", "failed")


def after_frame() -> None:
    frame = imgui.get_frame_count()
    phase = script["phase"]
    draw = plugin.status_bar.last_draw
    try:
        drawn = (draw is not None and draw.frame == frame and plugin.status_bar.draws_this_frame == 1)
        if phase in ("quiet", "quiet2", "quiet3", "quiet4", "quiet5", "quiet6", "hover") and not drawn:
            seen["errors"].append(f"frame {frame} ({phase}): segment not drawn once ({draw})")
        if phase == "settle" and settled() and frame > 30:
            script.update(phase="quiet", since=frame, reads=source.reads)
        elif phase == "quiet":
            place = (draw.x, draw.y, draw.width, draw.level)
            if script["last"] is not None and place != script["last"]:
                seen["errors"].append(f"frame {frame}: segment moved {script['last']} -> {place}")
            script["last"] = place
            seen["quiet_frames"].append(source.reads - script["reads"])
            seen["full_frames"].append(int(plugin.frame == frame))  # begin_frame ran in full
            script["reads"] = source.reads
            if frame - script["since"] >= 8 * (QUIET_FRAMES + 1):
                # A canary starts (the listener tells): the next frame must say so.
                source.set(pending=["x"], completed=["json"], notify=True)
                script.update(phase="listener", since=frame)
        elif phase == "listener":
            seen["warming_after_listener"] = (frame - script["since"], plugin.status_bar.line.text)
            source.set(completed=["json", "x"], notify=True)
            script.update(phase="settle2")
        elif phase == "settle2" and settled():
            script.update(phase="quiet2", since=frame)
        elif phase == "quiet2" and frame - script["since"] >= 2 * (QUIET_FRAMES + 1) + 3:
            # A change without the listener (only the revision moves): shown within a few frames.
            source.set(completed=["json"], failed=["x"])
            script.update(phase="revision", since=frame)
        elif phase == "revision":
            if plugin.status_bar.line.state == "failed":
                seen["failed_after"] = frame - script["since"]
                script.update(phase="settle3")
            elif frame - script["since"] > 4 * (QUIET_FRAMES + 1):
                seen["failed_after"] = None
                script.update(phase="settle3")
        elif phase == "settle3" and settled():
            script.update(phase="quiet3", since=frame)
        elif phase == "quiet3" and frame - script["since"] >= QUIET_FRAMES // 2 + 1:
            push_toast[0] = True  # drawn by the next frame's gui()
            script.update(phase="toast", since=frame)
        elif phase == "toast":
            toast = plugin.toasts.toasts[0] if plugin.toasts.toasts else None
            seen["toast_frame"] = {"plugin_frame": plugin.frame, "frame": frame,
                                   "drawn": toast is not None and toast.last_seen is not None}
            script.update(phase="settle4")
        elif phase == "settle4" and settled():
            script.update(phase="quiet4", since=frame, last=draw.x)
        elif phase == "quiet4" and frame - script["since"] >= QUIET_FRAMES // 2 + 1:
            host["text"] = "host item, now longer"  # in a quiet period: the segment must move
            script.update(phase="grown", since=frame)
        elif phase == "grown":
            # The very next frame: after the host's longer item (never over it).
            seen["grown"] = {"frames": frame - script["since"], "moved": draw.x > script["last"],
                             "gap": draw.x - host["right"], "host_right": draw.host_right,
                             "right": host["right"]}
            script.update(phase="settle5")
        elif phase == "settle5" and settled():
            script.update(phase="quiet6", since=frame)
        elif phase == "quiet6" and frame - script["since"] >= 2:
            # Ctrl+Shift+P typed in a quiet period, a key a frame: the palette opens on the
            # frame the P goes down, and those frames stay quiet (no poll of the status).
            keys = [[(imgui.Key.left_ctrl, True), (imgui.Key.mod_ctrl, True)],
                    [(imgui.Key.left_shift, True), (imgui.Key.mod_shift, True)],
                    [(imgui.Key.p, True)],
                    [(imgui.Key.p, False), (imgui.Key.left_shift, False),
                     (imgui.Key.mod_shift, False), (imgui.Key.left_ctrl, False),
                     (imgui.Key.mod_ctrl, False)]]
            step = script.setdefault("keys", 0)
            if step == 0:
                script["reads"] = source.reads
                script["shortcut_reads"] = []
            else:
                script["shortcut_reads"].append(source.reads - script["reads"])
                script["reads"] = source.reads
            if step == 3:
                seen["shortcut"] = {"open": plugin.palette.is_open,
                                    "reads": script["shortcut_reads"]}
                plugin.palette.is_open = False
                script.update(phase="settle6")
            io = imgui.get_io()
            for key, down in keys[step]:
                io.add_key_event(key, down)
            script["keys"] = step + 1
        elif phase == "settle6" and settled() and not plugin.palette.is_open:
            script.update(phase="quiet7", since=frame)
        elif phase == "quiet7" and frame - script["since"] >= 3:
            # The host switches to a light style in a quiet period: the plugin follows it
            # within a quarter second (its theme and the segment's text colour).
            imgui.style_colors_light()
            script.update(phase="style", since=frame)
        elif phase == "style":
            text = imgui.get_color_u32(imgui.Col_.text)
            steady = plugin._host.steady
            if (plugin.theme.variant == "light" and plugin.theme.u32_text() == text
                    and steady is not None and steady._text_color == text):
                seen["style_after"] = frame - script["since"]
                script.update(phase="settle7")
            elif frame - script["since"] > 4 * (QUIET_FRAMES + 1):
                script.update(phase="settle7")
        elif phase == "settle7" and settled():
            script.update(phase="quiet8", since=frame, last=draw.limit)
        elif phase == "quiet8" and frame - script["since"] >= 3:
            # The user turns hello_imgui's FPS display on in a quiet period: the segment's limit
            # moves left of it within a quarter second.
            hello_imgui.get_runner_params().imgui_window_params.show_status_fps = True
            script.update(phase="fps", since=frame)
        elif phase == "fps":
            if draw.limit is not None and draw.limit < script["last"]:
                seen["fps_after"] = frame - script["since"]
                script.update(phase="settle8")
            elif frame - script["since"] > 8 * (QUIET_FRAMES + 1):
                script.update(phase="settle8")
        elif phase == "settle8" and settled():
            script.update(phase="quiet5", since=frame)
        elif phase == "quiet5" and frame - script["since"] >= QUIET_FRAMES // 2 + 1:
            # The mouse onto the segment in a quiet period: the next frame shows its tooltip.
            io = imgui.get_io()  # the backend moves the pointer there (io.WantSetMousePos)
            io.mouse_pos = imgui.ImVec2(draw.x + 2.0, draw.y + draw.height * 0.5)
            io.want_set_mouse_pos = True
            script.update(phase="hover", since=frame, reads=source.canary_reads)
        elif phase == "hover":
            seen["hover"] = {"frames": frame - script["since"],
                             "tooltip": source.canary_reads > script["reads"]}
            imgui.get_io().add_mouse_button_event(0, True)
            script.update(phase="press", since=frame)
        elif phase == "press":
            imgui.get_io().add_mouse_button_event(0, False)
            script.update(phase="release", since=frame)
        elif phase == "release":
            seen["click"] = {"frames": frame - script["since"], "open": plugin.debug_window_open}
            script.update(phase="done")
        if phase == "done" or frame > 2000:
            hello_imgui.get_runner_params().app_shall_exit = True
    except Exception as exc:  # noqa: BLE001 - reported to the test
        seen["errors"].append(repr(exc))
        hello_imgui.get_runner_params().app_shall_exit = True


params.callbacks.show_gui = gui
params.callbacks.show_status = host_status
params.callbacks.before_imgui_render = after_frame
plugin.install(params)
immapp.run(params)
seen["phase"] = script["phase"]
with open(result_path, "w") as f:
    json.dump(seen, f)
