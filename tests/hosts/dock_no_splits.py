"""A docking host with no splits: its windows are tabs of the one "MainDockSpace"."""

from imgui_bundle import hello_imgui, imgui, immapp


def inbox():
    imgui.text("Inbox: 3 new")


def outbox():
    imgui.text("Outbox: empty")


rp = hello_imgui.RunnerParams()
rp.app_window_params.window_title = "Dock space host, no splits"
rp.app_window_params.window_geometry.size = (800, 600)
rp.imgui_window_params.default_imgui_window_type = (
    hello_imgui.DefaultImGuiWindowType.provide_full_screen_dock_space)
rp.docking_params.dockable_windows = [
    hello_imgui.DockableWindow("Inbox", "MainDockSpace", inbox),
    hello_imgui.DockableWindow("Outbox", "MainDockSpace", outbox),
]
immapp.run(rp, immapp.AddOnsParams(with_implot=True))
