"""Search in text."""
