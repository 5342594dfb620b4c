"""Plain-text layout."""
