"""Staff accounts, login sessions and the append-only audit log."""

from toolshare_core.migrate import run_sql_file

revision = "0003_accounts_audit"
down_revision = "0002_metric_views"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0003_accounts_audit.sql")


def downgrade() -> None:
    raise NotImplementedError("ToolShare migrations are forward-only; restore a backup instead")
