"""Colours for a theme editor."""
