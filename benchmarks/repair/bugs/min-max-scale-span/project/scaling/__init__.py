"""Feature scaling."""
