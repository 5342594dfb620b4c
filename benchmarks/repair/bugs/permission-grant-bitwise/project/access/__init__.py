"""Access rights."""
