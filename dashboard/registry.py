"""Which pages exist, in which section, and the least role that may open each.

app.py builds `st.navigation` from this list; a page appears only for roles that may use it.
Roles rank viewer < editor < admin (toolshare_core.auth enforces the same ranks on writes).
"""

from __future__ import annotations

from dataclasses import dataclass

ROLE_RANK = {"viewer": 0, "editor": 1, "admin": 2}


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to dashboard/
    title: str
    icon: str
    section: str
    min_role: str = "viewer"
    default: bool = False


PAGES: list[PageSpec] = [
    PageSpec("pages/overview.py", "Overview", ":material/dashboard:", "Library", default=True),
    PageSpec("pages/utilisation.py", "Utilisation", ":material/percent:", "Library"),
    PageSpec("pages/inventory.py", "Inventory", ":material/inventory_2:", "Library"),
    PageSpec("pages/loans.py", "Loans", ":material/swap_horiz:", "Library"),
    PageSpec("pages/members.py", "Members", ":material/groups:", "Library"),
    PageSpec("pages/maintenance.py", "Maintenance", ":material/build:", "Library"),
    PageSpec("pages/reports.py", "Reports", ":material/description:", "Library"),
    PageSpec("pages/notebook.py", "Notebook", ":material/code:", "Library"),
    # issue 5: editing, the lending desk, admin
    PageSpec("pages/lending_desk.py", "Lending desk", ":material/point_of_sale:", "Lending desk",
             min_role="editor"),
    PageSpec("pages/edit_inventory.py", "Edit inventory", ":material/edit:", "Lending desk",
             min_role="editor"),
    PageSpec("pages/edit_members.py", "Edit members", ":material/person_edit:", "Lending desk",
             min_role="editor"),
    PageSpec("pages/bulk_edit.py", "Bulk edit", ":material/table_edit:", "Lending desk",
             min_role="editor"),
    PageSpec("pages/import_csv.py", "Import CSV", ":material/upload_file:", "Lending desk",
             min_role="editor"),
    PageSpec("pages/audit.py", "Audit log", ":material/history:", "Admin", min_role="admin"),
    PageSpec("pages/accounts.py", "Staff accounts", ":material/manage_accounts:", "Admin",
             min_role="admin"),
]


def visible_pages(role: str) -> list[PageSpec]:
    """Pages a user with `role` may open, in declaration order."""
    rank = ROLE_RANK.get(role, -1)
    return [page for page in PAGES if ROLE_RANK[page.min_role] <= rank]
