"""Linked structures."""
