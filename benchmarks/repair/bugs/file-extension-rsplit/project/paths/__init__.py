"""File names."""
