"""Getting a corpus in and out of a collection: `simservice import`, `export`, `snapshot`, `reindex`."""
