"""The LLM backend: the client on the official ``openai`` package, its cache, and the
stack a group's optimizer receives."""
