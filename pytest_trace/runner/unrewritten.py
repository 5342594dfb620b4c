"""Importing a module as Python would, without pytest's assertion rewriting.

pytest rewrites the asserts of the packages of its plugins on import, and caches the
result as bytecode only where bytecode may be written: not in pytest-trace's worker
processes (``runner.fresh``), nor wherever ``PYTHONDONTWRITEBYTECODE`` is set. Hypothesis
is such a package (its pytest plugin is loaded wherever it is installed, as with
pytest-trace), and its plugin imports it in its terminal-summary hook: rewriting its
modules there costs about a second, where a plain import costs a fraction of that.
"""

from __future__ import annotations

import importlib
import sys

_REWRITE = "_pytest.assertion.rewrite"


def import_unrewritten(module: str) -> None:
    """Import ``module`` (if it is not imported yet) with pytest's assertion-rewriting
    import hook set aside."""
    if module in sys.modules:
        return
    finders = list(sys.meta_path)
    sys.meta_path[:] = [f for f in finders if type(f).__module__ != _REWRITE]
    try:
        importlib.import_module(module)
    finally:
        sys.meta_path[:] = finders
