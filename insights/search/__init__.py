"""Search: ranking passages by meaning and words, citations, exports and the metrics that score them."""
