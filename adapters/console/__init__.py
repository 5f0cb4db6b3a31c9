"""The web console: server-rendered pages for people, at ``/``, beside the API at ``/v1``."""
