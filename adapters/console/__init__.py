"""The web console: pages for people, in their language, rendered on the server."""
