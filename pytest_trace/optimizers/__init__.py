"""Optimizers: a :class:`~pytest_trace.optimizers.base.Optimizer` turns a problem into a proposal."""
