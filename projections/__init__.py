"""Read models built from the Ledger's events (the sent-mail list, timelines, dossiers)."""
