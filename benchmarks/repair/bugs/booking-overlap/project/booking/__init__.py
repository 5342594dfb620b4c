"""Room booking."""
