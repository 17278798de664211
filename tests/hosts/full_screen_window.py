"""A host with hello_imgui's full-screen window (provide_full_screen_window) and a menu bar."""

from imgui_bundle import hello_imgui, imgui, immapp


def gui():
    imgui.text("Orders")
    imgui.button("Refresh")


rp = hello_imgui.RunnerParams()
rp.app_window_params.window_title = "Full-screen window host"
rp.app_window_params.window_geometry.size = (800, 600)
rp.imgui_window_params.default_imgui_window_type = (
    hello_imgui.DefaultImGuiWindowType.provide_full_screen_window)
rp.imgui_window_params.show_menu_bar = True
rp.callbacks.show_gui = gui
immapp.run(rp, immapp.AddOnsParams(with_implot=True))
