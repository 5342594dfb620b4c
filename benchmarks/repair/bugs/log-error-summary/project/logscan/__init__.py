"""Reading application logs."""
