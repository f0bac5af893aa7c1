"""Persistence: typed SQLAlchemy models, the engine and its transactions, repositories, migrations."""
