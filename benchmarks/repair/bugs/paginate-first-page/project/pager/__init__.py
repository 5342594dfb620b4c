"""Pagination for list views."""
