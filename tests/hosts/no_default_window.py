"""A host with no default window: it opens its own ImGui window in show_gui."""

from imgui_bundle import hello_imgui, imgui, immapp


def gui():
    imgui.set_next_window_pos(imgui.ImVec2(20, 20), imgui.Cond_.first_use_ever)
    imgui.set_next_window_size(imgui.ImVec2(300, 160), imgui.Cond_.first_use_ever)
    imgui.begin("Host tools")
    imgui.text("Host tools")
    imgui.button("Run")
    imgui.end()


rp = hello_imgui.RunnerParams()
rp.app_window_params.window_title = "No default window host"
rp.app_window_params.window_geometry.size = (800, 600)
rp.imgui_window_params.default_imgui_window_type = hello_imgui.DefaultImGuiWindowType.no_default_window
rp.callbacks.show_gui = gui
immapp.run(rp, immapp.AddOnsParams(with_implot=True))
