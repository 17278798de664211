"""A host with its own command palette (imgui_command_palette) on Ctrl+Shift+P."""

from imgui_bundle import hello_imgui, imgui, immapp
from imgui_bundle import imgui_command_palette as imcmd

show_palette = False
context = None


def init_palette():
    global context
    context = imcmd.ContextWrapper()
    command = imcmd.Command()
    command.name = "Open recent file"
    command.initial_callback = lambda: None
    imcmd.add_command(command)


def gui():
    global show_palette
    io = imgui.get_io()
    if io.key_ctrl and io.key_shift and imgui.is_key_pressed(imgui.Key.p):
        show_palette = not show_palette
    if show_palette:
        show_palette = imcmd.command_palette_window("CommandPalette", True)
    imgui.text("Press Ctrl+Shift+P for the host's palette")


rp = hello_imgui.RunnerParams()
rp.app_window_params.window_title = "Host with its own palette"
rp.app_window_params.window_geometry.size = (800, 600)
rp.callbacks.show_gui = gui
rp.callbacks.post_init = init_palette
immapp.run(rp, immapp.AddOnsParams(with_implot=True))
