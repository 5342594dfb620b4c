"""Exact fractions."""
