"""Letter grades for a course."""
