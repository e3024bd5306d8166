"""Core tables: locations, categories, items, members, loans, maintenance."""

from toolshare_core.migrate import run_sql_file

revision = "0001_core_schema"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0001_core_schema.sql")


def downgrade() -> None:
    raise NotImplementedError("ToolShare migrations are forward-only; restore a backup instead")
