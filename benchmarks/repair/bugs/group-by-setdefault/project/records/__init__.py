"""Record handling."""
