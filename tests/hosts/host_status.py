"""A host that draws its own status item: "Host status: connected"."""

from imgui_bundle import hello_imgui, imgui, immapp


def gui():
    imgui.text("Dashboard")


def show_status():
    imgui.text("Host status: connected")


rp = hello_imgui.RunnerParams()
rp.app_window_params.window_title = "Host with a status item"
rp.app_window_params.window_geometry.size = (800, 600)
rp.imgui_window_params.show_status_bar = True
rp.callbacks.show_gui = gui
rp.callbacks.show_status = show_status
immapp.run(rp, immapp.AddOnsParams(with_implot=True))
