"""The notebook: saved notebooks and cells, and the read-only role notebook queries run as."""

from toolshare_core.migrate import run_sql_file

revision = "0004_notebook"
down_revision = "0003_accounts_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0004_notebook.sql")


def downgrade() -> None:
    raise NotImplementedError("ToolShare migrations are forward-only; restore a backup instead")
