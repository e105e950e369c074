"""File to document: parsers, chunking and the ingest pipeline."""
