"""Audit: a hash chain over every stored event, signed checkpoints, verification and the auditor's API."""
