"""A host that runs hello_imgui directly: no implot context (hello_imgui.run, not immapp.run)."""

from imgui_bundle import hello_imgui, imgui


def gui():
    imgui.text("A host without implot")


rp = hello_imgui.RunnerParams()
rp.app_window_params.window_title = "Host without implot"
rp.app_window_params.window_geometry.size = (800, 600)
rp.callbacks.show_gui = gui
hello_imgui.run(rp)
