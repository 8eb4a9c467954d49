"""Support for pure domain models: refusals and Japanese text normalization. Imports nothing of the web."""
