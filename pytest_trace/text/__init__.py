"""Text crossing a boundary: clipped to a limit, secrets redacted, outside text sanitized."""
