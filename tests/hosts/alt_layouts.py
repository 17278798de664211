"""A docking host with an alternative layout ("Wide editor") that it switches to at run time."""

from imgui_bundle import hello_imgui, imgui, immapp


def files():
    imgui.text("Files")


def editor():
    imgui.text("Editor")


def console():
    imgui.text("Console")


def windows():
    return [
        hello_imgui.DockableWindow("Files", "Side", files),
        hello_imgui.DockableWindow("Editor", "MainDockSpace", editor),
        hello_imgui.DockableWindow("Console", "Bottom", console),
    ]


def default_layout():
    layout = hello_imgui.DockingParams()
    layout.layout_name = "Default"
    layout.docking_splits = [
        hello_imgui.DockingSplit("MainDockSpace", "Side", imgui.Dir.left, 0.25),
        hello_imgui.DockingSplit("MainDockSpace", "Bottom", imgui.Dir.down, 0.3),
    ]
    layout.dockable_windows = windows()
    return layout


def wide_editor_layout():
    layout = hello_imgui.DockingParams()
    layout.layout_name = "Wide editor"
    layout.docking_splits = [
        hello_imgui.DockingSplit("MainDockSpace", "Bottom", imgui.Dir.down, 0.2),
        hello_imgui.DockingSplit("Bottom", "Side", imgui.Dir.right, 0.5),
    ]
    layout.dockable_windows = windows()
    return layout


rp = hello_imgui.RunnerParams()
rp.app_window_params.window_title = "Alternative layouts host"
rp.app_window_params.window_geometry.size = (900, 620)
rp.imgui_window_params.default_imgui_window_type = (
    hello_imgui.DefaultImGuiWindowType.provide_full_screen_dock_space)
rp.imgui_window_params.show_menu_bar = True
rp.docking_params = default_layout()
rp.alternative_docking_layouts = [wide_editor_layout()]
immapp.run(rp, immapp.AddOnsParams(with_implot=True))
