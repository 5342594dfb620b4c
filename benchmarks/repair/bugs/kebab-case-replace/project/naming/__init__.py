"""Identifier styles."""
