"""pytest entry point of pytest-trace (work in progress)."""
