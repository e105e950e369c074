"""Insights: a self-hosted research repository with semantic search."""
