"""The outside world: storage, input formats, presentation, the command line."""
