"""Process entry points: one composition root per long-running process."""
