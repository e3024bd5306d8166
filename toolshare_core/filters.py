"""Report filters: which items a metric looks at (category with its sub-categories, location)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toolshare_core.errors import NotFound

_NAMES_SQL = sa.text(
    """
    select (select path from category_paths where category_id = cast(:category_id as bigint)) as category,
           (select name from locations where id = cast(:location_id as bigint)) as location
    """
)


def contains_pattern(text: str | None) -> str | None:
    """A bound LIKE/ILIKE pattern matching `text` anywhere, its own % _ and \\ taken literally;
    None for blank text (the queries read None as "no search")."""
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    escaped = cleaned.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class Filters:
    """Which items a report covers. None means "all".

    The category filter matches the category itself and, when `include_subcategories`,
    every category below it (Power tools matches Power tools / Drills).
    """

    category_id: int | None = None
    location_id: int | None = None
    include_subcategories: bool = True

    def params(self) -> dict[str, Any]:
        """Bound parameters for the SQL function `filtered_items(...)` (sql/migrations/0002)."""
        return {
            "category_id": self.category_id,
            "location_id": self.location_id,
            "subcats": self.include_subcategories,
        }

    def describe(self, conn: Connection) -> str:
        """Plain words for export headers: 'all items' or 'category Power tools (and below); ...'."""
        if self.category_id is None and self.location_id is None:
            return "all items"
        row = conn.execute(_NAMES_SQL, self.params()).one()
        parts: list[str] = []
        if self.category_id is not None:
            if row.category is None:
                raise NotFound(f"there is no category with id {self.category_id}")
            below = " and its sub-categories" if self.include_subcategories else " only"
            parts.append(f"category {row.category}{below}")
        if self.location_id is not None:
            if row.location is None:
                raise NotFound(f"there is no location with id {self.location_id}")
            parts.append(f"location {row.location}")
        return "; ".join(parts)


NO_FILTERS = Filters()


def filter_params(filters: Filters | None) -> dict[str, Any]:
    return (filters or NO_FILTERS).params()
