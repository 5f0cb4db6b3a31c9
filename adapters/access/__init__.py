"""Who may call the API: API keys, each scoped to one tenant and a role, stored hashed."""
