"""Small drawing functions: each draws from plain data it is given and returns what happened.

- ``status_line``: what the status bar says (pure).
- ``status_segment``: dot + text + thin progress bar for the status bar.
- ``toast``: one toast window and its fade/slide envelope.
- ``gantt_model`` / ``gantt``: the canary timeline (numpy; load after numpy is warmed).
- ``canary_rows`` / ``canary_table``: the canary table.
- ``profile_table``, ``violations_list``: the startup profile and main-thread imports tabs.

Widgets import no panels and hold no state; the panels own the state and pass it in. Nothing is
imported here eagerly, so ``import imwarmup.widgets`` costs nothing and never loads numpy.
"""
