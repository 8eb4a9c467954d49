"""Revisions of the vault lineage (version table `kyodo_schema_vault`, in the vault's own database)."""
