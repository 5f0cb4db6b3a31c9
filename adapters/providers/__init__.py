"""Provider formats: each turns what a provider posts into normalised observations."""
