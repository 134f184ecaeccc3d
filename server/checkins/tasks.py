"""Background jobs of the checkins feature."""
