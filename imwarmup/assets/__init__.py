"""Fonts and icons the plugin ships: none so far, on purpose.

The status dot, the toast's accent and the Gantt bars are shapes drawn with the window's draw
list, and all text uses the host's font (hello_imgui's default, which has no "●" glyph), so the
plugin looks right whatever fonts the host loads. Files added here must be loaded through
``hello_imgui.load_font`` from the host's ``load_additional_fonts`` callback, never at import.
"""
