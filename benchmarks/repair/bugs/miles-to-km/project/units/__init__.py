"""Unit conversions for a running app."""
