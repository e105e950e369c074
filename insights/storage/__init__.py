"""Storage and derived indexes: SQLite rows, the vector, keyword and heading indexes, the embedder."""
