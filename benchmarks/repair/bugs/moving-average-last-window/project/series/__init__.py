"""Time series helpers."""
