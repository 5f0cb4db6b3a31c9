"""The HTTP API: ``mailledger serve``, JSON under /v1, every read scoped to the key's tenant."""
