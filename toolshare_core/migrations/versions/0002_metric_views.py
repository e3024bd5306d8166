"""Metric building blocks: day-set helpers, item catalogue, loan spans, per-item period days."""

from toolshare_core.migrate import run_sql_file

revision = "0002_metric_views"
down_revision = "0001_core_schema"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file("0002_metric_views.sql")


def downgrade() -> None:
    raise NotImplementedError("ToolShare migrations are forward-only; restore a backup instead")
