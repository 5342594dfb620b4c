"""Tabular text."""
