"""A docking host that rebuilds its layout at run time (a "reset workspace" button would): it
assigns new docking params, which drops the plugin's window from the layout."""

from imgui_bundle import hello_imgui, imgui, immapp

frames = 0


def panel():
    imgui.text("Panel")


def central():
    imgui.text("Central host view")


def layout(name):
    docking = hello_imgui.DockingParams()
    docking.layout_name = name
    docking.docking_splits = [hello_imgui.DockingSplit("MainDockSpace", "Left", imgui.Dir.left, 0.3)]
    docking.dockable_windows = [hello_imgui.DockableWindow("Panel", "Left", panel),
                                hello_imgui.DockableWindow("Central", "MainDockSpace", central)]
    return docking


def gui():
    global frames
    frames += 1
    if frames == 5:
        params = hello_imgui.get_runner_params()
        params.docking_params = layout("Rebuilt")
        params.docking_params.layout_reset = True


rp = hello_imgui.RunnerParams()
rp.app_window_params.window_title = "Rebuilt layout host"
rp.app_window_params.window_geometry.size = (900, 620)
rp.imgui_window_params.default_imgui_window_type = (
    hello_imgui.DefaultImGuiWindowType.provide_full_screen_dock_space)
rp.docking_params = layout("Default")
rp.callbacks.show_gui = gui
immapp.run(rp)
