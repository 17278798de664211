"""A narrow host (380 px wide) with a status item and hello_imgui's FPS / "Enable idling" block."""

from imgui_bundle import hello_imgui, imgui, immapp


def gui():
    imgui.text_wrapped("A small tool window.")


def show_status():
    imgui.text("Online")


rp = hello_imgui.RunnerParams()
rp.app_window_params.window_title = "Narrow host"
rp.app_window_params.window_geometry.size = (380, 520)
rp.callbacks.show_gui = gui
rp.callbacks.show_status = show_status
rp.imgui_window_params.show_status_bar = True
rp.imgui_window_params.show_status_fps = True
immapp.run(rp, immapp.AddOnsParams(with_implot=True))
