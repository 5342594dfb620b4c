"""Working hours and pay."""
