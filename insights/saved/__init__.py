"""Saved insights: findings with their cited evidence, kept across re-ingests."""
