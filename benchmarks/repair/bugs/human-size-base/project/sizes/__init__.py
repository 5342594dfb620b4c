"""File sizes for people."""
