"""A host that installs the plugin itself, then extends show_status with sequence_functions.

(The launcher sees the plugin installed and adds nothing.)
"""

from imgui_bundle import hello_imgui, imgui, immapp

from imwarmup import WarmupController
from imwarmup.panels import DiagnosticsPlugin


def gui():
    imgui.text("Editor")


def my_status():
    imgui.text("Ln 12, Col 4")


rp = hello_imgui.RunnerParams()
rp.app_window_params.window_title = "Host extending show_status after install"
rp.app_window_params.window_geometry.size = (800, 600)
rp.callbacks.show_gui = gui

controller = WarmupController(["json", "email.mime.multipart", "sqlite3", "decimal", "numpy"])
controller.start()
plugin = DiagnosticsPlugin(controller)
plugin.install(rp)
rp.callbacks.show_status = hello_imgui.sequence_functions(rp.callbacks.show_status, my_status)
immapp.run(rp, immapp.AddOnsParams(with_implot=True))
