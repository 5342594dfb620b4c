"""Small dense matrices."""
