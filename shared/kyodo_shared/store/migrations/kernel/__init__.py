"""Revisions of the kernel lineage (version table `kyodo_schema_kernel`): only revision files may live here."""
