"""The plugin's constructor and install paths refuse bad input with a message that says what
was wrong (no window: these fail before anything is drawn)."""

import pytest
from imgui_bundle import hello_imgui

from imwarmup.panels import DiagnosticsPlugin
from imwarmup.panels.command_palette import CommandPalette
from imwarmup.testing import ScriptedSource, StepClock


def source():
    return ScriptedSource([], StepClock(0.0, 0.0), origin=0.0)


@pytest.mark.parametrize("palette", ["yes", 1, "auto"])
def test_palette_must_be_none_true_or_false(palette):
    with pytest.raises(TypeError, match=r"palette must be None, True or False, got"):
        DiagnosticsPlugin(source(), palette=palette)


def test_palette_false_means_no_palette_and_commands_for_the_hosts():
    plugin = DiagnosticsPlugin(source(), palette=False)
    assert plugin.palette is None
    assert [c.name for c in plugin.commands()] == ["Warmup: Show diagnostics", "Warmup: Copy report",
                                                  "Warmup: Export trace"]


def test_palette_modes():
    with pytest.raises(ValueError, match=r"mode must be one of \('auto', 'own'\), got 'mine'"):
        CommandPalette([], mode="mine")


def test_wrap_needs_the_hosts_gui_function():
    with pytest.raises(TypeError, match=r"wrap\(\): expected the host's gui function, got 42"):
        DiagnosticsPlugin(source()).wrap(42)


def test_install_twice_is_refused_and_install_needs_runner_params():
    plugin = DiagnosticsPlugin(source())
    with pytest.raises(TypeError, match="expected a hello_imgui.RunnerParams, got dict"):
        plugin.install({})
    params = hello_imgui.RunnerParams()
    plugin.install(params)
    with pytest.raises(RuntimeError, match="already installed"):
        plugin.install(hello_imgui.RunnerParams())


def test_install_adds_the_window_to_every_layout_once_and_names_a_dock_space_they_all_have():
    params = hello_imgui.RunnerParams()
    alt = hello_imgui.DockingParams()
    alt.layout_name = "Alternative Layout"
    params.alternative_docking_layouts = [alt]
    DiagnosticsPlugin(source()).install(params)
    for docking in [params.docking_params, *params.alternative_docking_layouts]:
        windows = [w for w in docking.dockable_windows if w.label == "Warmup diagnostics"]
        assert len(windows) == 1
        # hello_imgui asserts on a dock space name a docking layout lacks; this one it always has.
        assert windows[0].dock_space_name == "MainDockSpace"
        assert windows[0].is_visible is False and windows[0].include_in_view_menu
    assert params.imgui_window_params.show_status_bar


def test_repr_says_where_it_is_and_what_it_shows():
    plugin = DiagnosticsPlugin(source())
    assert repr(plugin) == ("<DiagnosticsPlugin not installed, status 'Warmup idle', "
                            "diagnostics window closed>")
    plugin.show_debug_window()
    plugin.install(hello_imgui.RunnerParams())
    assert repr(plugin).endswith("installed, status 'Warmup idle', diagnostics window open>")


def test_the_palette_forgets_the_runs_io_when_the_run_ends():
    palette = CommandPalette([], mode="own")
    palette._io, palette._focus_before, palette.is_open = object(), 7, True
    palette.forget_run()
    assert (palette._io, palette._focus_before, palette.is_open) == (None, None, False)
