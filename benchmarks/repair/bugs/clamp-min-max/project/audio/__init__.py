"""Audio levels."""
