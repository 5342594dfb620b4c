"""Git, out of the user's way: snapshots, the temporary worktree, fix branches and their
commit messages and records, and what ``pytest-trace`` reads back for review."""
