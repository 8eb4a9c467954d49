"""Proposals service: calls, sealed proposals, the review board, decisions and results."""
