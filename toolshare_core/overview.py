"""Live counts for the overview: what the library owns and what is out, as of a moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

ITEM_STATUSES = ("active", "maintenance", "missing", "retired")

LIVE_COUNTS_SQL = sa.text("""
    select
        (select count(*) from items where status = 'active') as items_active,
        (select count(*) from items where status = 'maintenance') as items_maintenance,
        (select count(*) from items where status = 'missing') as items_missing,
        (select count(*) from items where status = 'retired') as items_retired,
        (select count(*) from members where status = 'active') as members_active,
        (select count(*) from members) as members_total,
        (select count(*) from loans where loaned_at <= :as_of) as loans_total,
        (select count(*) from loans
          where loaned_at <= :as_of and (returned_at is null or returned_at > :as_of)) as on_loan,
        (select count(*) from loans
          where loaned_at <= :as_of and (returned_at is null or returned_at > :as_of)
            and due_at < :as_of) as overdue
""")


@dataclass(frozen=True)
class LiveCounts:
    """Counts as of one moment; 'on loan' and 'overdue' follow spec/METRICS.md."""

    items_by_status: dict[str, int]
    members_active: int
    members_total: int
    loans_total: int
    on_loan: int
    overdue: int

    @property
    def items_owned(self) -> int:
        """Items not retired (active, in maintenance or missing)."""
        return sum(n for status, n in self.items_by_status.items() if status != "retired")


def live_counts(conn: Connection, *, as_of: datetime) -> LiveCounts:
    """Items by status, members, loans ever made, on loan and overdue at `as_of`."""
    row = conn.execute(LIVE_COUNTS_SQL, {"as_of": as_of}).mappings().one()
    return LiveCounts(
        items_by_status={status: int(row[f"items_{status}"]) for status in ITEM_STATUSES},
        members_active=int(row["members_active"]),
        members_total=int(row["members_total"]),
        loans_total=int(row["loans_total"]),
        on_loan=int(row["on_loan"]),
        overdue=int(row["overdue"]),
    )
