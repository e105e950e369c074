"""The command line: ingest, search, eval, the demo and saved insights."""
