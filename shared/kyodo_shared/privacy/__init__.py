"""Per-person encryption keys (the vault) for personal data."""
