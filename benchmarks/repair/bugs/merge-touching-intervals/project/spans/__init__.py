"""Time ranges."""
