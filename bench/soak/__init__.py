"""Soak (issue 22): `python -m bench.soak` (see bench/soak/__main__.py)."""
