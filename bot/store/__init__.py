"""The treatment knowledge store: SQLAlchemy models, sessions and read queries."""
