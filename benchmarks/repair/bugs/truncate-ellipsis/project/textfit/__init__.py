"""Fitting text into fixed-width columns."""
