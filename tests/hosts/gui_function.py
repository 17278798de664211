"""A host with no RunnerParams: immapp.run(gui_function, ...)."""

from imgui_bundle import imgui, immapp


def gui():
    imgui.text("Hello from a gui function")
    imgui.button("Do something")


immapp.run(gui, window_title="Gui function host", window_size=(800, 600), with_implot=True)
