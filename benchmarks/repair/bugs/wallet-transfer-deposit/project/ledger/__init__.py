"""Wallets and transfers."""
