"""Synthesis across documents: themes and their labels, competitors and comparisons."""
