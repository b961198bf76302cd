"""Storage: the `Store` protocol, its records, and one implementation per database."""
