"""Invoices: amounts read from text, totals."""
