"""Sales figures."""
