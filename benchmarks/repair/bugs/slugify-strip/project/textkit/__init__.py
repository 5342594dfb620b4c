"""Text utilities for a blog."""
