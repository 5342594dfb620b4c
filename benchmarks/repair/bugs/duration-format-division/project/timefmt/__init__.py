"""Formatting and parsing of durations."""
