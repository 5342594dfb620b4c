"""Optimizers: each turns a problem into a proposal of new parameter values."""
