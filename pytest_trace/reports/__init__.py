"""What a run reports: the data of the report, the terminal summary, JSON and Markdown."""
