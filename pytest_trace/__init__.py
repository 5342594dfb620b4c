"""pytest-trace: self-healing code for pytest.

Mark functions with :func:`trainable`; run ``pytest --trace-optimize``; review the fix
on the ``trace-fix/...`` branch it commits.
"""

from __future__ import annotations

from pytest_trace.trainable import trainable

__version__ = "0.1.0"

__all__ = ["__version__", "trainable"]
