"""Nested lists."""
