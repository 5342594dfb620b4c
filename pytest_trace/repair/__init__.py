"""Repairing a group of failing tests: grouping, localization, feedback, candidate edits of
sources and constants, the optimization loop, and the glue that tests and commits."""
