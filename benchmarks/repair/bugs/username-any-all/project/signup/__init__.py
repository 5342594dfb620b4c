"""Account sign-up rules."""
