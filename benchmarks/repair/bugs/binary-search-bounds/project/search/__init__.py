"""Searching sorted data."""
