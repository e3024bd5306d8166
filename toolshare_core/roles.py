"""Who is acting: the StaffUser record, the three roles and the one role check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from toolshare_core.errors import PermissionDenied

Role = Literal["viewer", "editor", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
ROLE_RANK: dict[str, int] = {"viewer": 0, "editor": 1, "admin": 2}
ROLE_PURPOSE = {
    "viewer": "read the dashboard and reports",
    "editor": "also edit inventory and members, run the lending desk, bulk edit and import",
    "admin": "also manage staff accounts and read the audit log",
}


@dataclass(frozen=True)
class StaffUser:
    """A signed-in person (or the command line acting for the operator). `id` None = no account."""

    id: int | None
    username: str
    role: Role


def require_role(actor: StaffUser, role: Role) -> None:
    """Raise PermissionDenied unless `actor`'s role is `role` or higher."""
    if not isinstance(actor, StaffUser):
        raise PermissionDenied("this action needs a signed-in staff account")
    if ROLE_RANK.get(actor.role, -1) < ROLE_RANK[role]:
        allowed = {"viewer": "a staff account", "editor": "an editor or admin",
                   "admin": "an admin"}[role]
        raise PermissionDenied(
            f"{actor.username} is a {actor.role}; only {allowed} may do this "
            "(ask an admin to change your role)"
        )


def operator_actor(name: str) -> StaffUser:
    """The command line acting for whoever holds the database credentials (an admin's power)."""
    return StaffUser(id=None, username=f"command line ({name})", role="admin")
