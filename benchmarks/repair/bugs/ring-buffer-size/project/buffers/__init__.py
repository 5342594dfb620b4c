"""Bounded buffers."""
