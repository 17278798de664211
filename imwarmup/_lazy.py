"""The package faces' lazy attributes (STYLE.md 1): a name loads its submodule on first use.

``import imwarmup`` stays under a few milliseconds because ``concurrent.futures``, the hook
server's sockets, imgui_bundle and numpy load only when a name that needs them is first touched.
"""

from __future__ import annotations

# No ``typing`` import: it alone costs ~20 ms cold, more than the whole import budget.

import importlib

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any, Callable


def lazy_getattr(package: str, table: dict[str, str],
                 namespace: "dict[str, Any]") -> "Callable[[str], object]":
    """A module ``__getattr__`` for ``package``: ``table`` maps a public name to the submodule
    (relative to ``package``) that defines it. A loaded name is cached in ``namespace`` (the
    package's ``globals()``), so the next lookup is a plain attribute.

    Raises (from the returned function):
        AttributeError: the name is not in ``table``.
    """

    def __getattr__(name: str) -> object:
        submodule = table.get(name)
        if submodule is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{submodule}"), name)
        namespace[name] = value
        return value

    return __getattr__
