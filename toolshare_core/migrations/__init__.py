"""Alembic environment and revisions; each revision runs one SQL file from sql/migrations."""
