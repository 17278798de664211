"""A docking host: a full-screen dock space split in two, a panel on the left, the main view right.

The minimal host of the ContainsSplit report (issue 10): every dockable window names a dock
space the layout has.
"""

from imgui_bundle import hello_imgui, imgui, immapp


def panel():
    imgui.text("Accounts")
    imgui.button("Sync now")


def main_view():
    imgui.text("Main view")


rp = hello_imgui.RunnerParams()
rp.app_window_params.window_title = "Docking host"
rp.app_window_params.window_geometry.size = (900, 620)
rp.imgui_window_params.default_imgui_window_type = (
    hello_imgui.DefaultImGuiWindowType.provide_full_screen_dock_space)
rp.imgui_window_params.show_menu_bar = True
rp.docking_params.docking_splits = [
    hello_imgui.DockingSplit("MainDockSpace", "Left", imgui.Dir.left, 0.3)]
rp.docking_params.dockable_windows = [
    hello_imgui.DockableWindow("Panel", "Left", panel),
    hello_imgui.DockableWindow("Main view", "MainDockSpace", main_view),
]
immapp.run(rp, immapp.AddOnsParams(with_implot=True))
