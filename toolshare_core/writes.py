"""The one write path's plumbing: role check, savepoint, plain-words validation and DB errors.

Every core write command runs its statements inside `write_block(conn, actor, role)`: the role
is checked first, the statements run in a savepoint (a refused write leaves the caller's
transaction usable and nothing half-written), and a database refusal (unique, check, exclusion
or trigger) comes out as a ToolShareError with the same plain words the pydantic checks use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ValidationError
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from toolshare_core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from toolshare_core.roles import Role, StaffUser, require_role

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# Characters that are never legitimate in a name or code (NUL is refused by PostgreSQL itself).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Constraint name -> the message a volunteer sees. Unique-key messages name the value when the
# database reports it ("Key (code)=(D-001) already exists").
CONSTRAINT_MESSAGES: dict[str, str] = {
    "items_code_unique": "an item with code {value} already exists",
    "items_code_not_blank": "the item code must not be blank",
    "items_name_not_blank": "the item name must not be blank",
    "items_condition_known": "condition must be one of new, good, fair, poor, broken",
    "items_status_known": "status must be one of active, maintenance, missing, retired",
    "items_value_not_negative": "the replacement value must be 0 or more",
    "items_retired_after_acquired": "the retirement date must not be before the date acquired",
    "items_retired_iff_dated": "a retired item needs a retirement date (and only a retired one)",
    "members_member_no_unique": "a member with number {value} already exists",
    "members_member_no_not_blank": "the member number must not be blank",
    "members_name_not_blank": "the member name must not be blank",
    "members_status_known": "member status must be one of active, suspended, left",
    "locations_name_unique": "a location named {value} already exists",
    "locations_name_not_blank": "the location name must not be blank",
    "categories_parent_name_unique": "a category with that name already exists at that level",
    "categories_not_own_parent": "a category cannot be its own parent",
    "categories_name_not_blank": "the category name must not be blank",
    "categories_loan_period_positive": "the loan length must be between 1 and 365 days",
    "loans_no_overlap": "this item is already out on loan; check it in first",
    "loans_due_after_loaned": "the due date must be after the check-out time",
    "loans_returned_after_loaned": "the return time must not be before the check-out time",
    "loans_renewals_not_negative": "renewals must be 0 or more",
    "maintenance_ended_after_started": "maintenance cannot end before it started",
    "maintenance_cost_not_negative": "the maintenance cost must be 0 or more",
    "maintenance_kind_not_blank": "the maintenance kind must not be blank",
    "staff_users_username_unique": "a staff account named {value} already exists",
    "staff_users_username_lower_unique": "a staff account with that name already exists",
    "staff_users_role_known": "role must be one of viewer, editor, admin",
}
# Triggers raise their own plain message (e.g. "item D-001 is retired and cannot be lent").
TRIGGER_CONSTRAINTS = {"loans_item_lendable", "loans_member_active", "items_not_retired_on_loan"}
PATTERN_HINTS = {
    "username": "may contain only letters, digits and . _ @ - (no spaces)",
    "email": "is not an email address (name@example.org)",
    "phone": "may contain only digits, spaces and + ( ) - . /",
}
_KEY_VALUE = re.compile(r"Key \((?P<cols>[^)]*)\)=\((?P<value>.*)\) ")


@contextmanager
def write_block(conn: Connection, actor: StaffUser, role: Role = "editor") -> Iterator[None]:
    """Check `actor` may write, then run the block in a savepoint with DB errors translated."""
    require_role(actor, role)
    with translate_db_errors(), conn.begin_nested():
        yield


@contextmanager
def translate_db_errors() -> Iterator[None]:
    """Turn the database's refusals into Conflict / ValidationFailed / NotFound in plain words."""
    try:
        yield
    except DBAPIError as exc:
        translated = translate(exc)
        if translated is None:
            raise
        raise translated from exc


def translate(exc: DBAPIError) -> Exception | None:
    """The ToolShareError for a database refusal, or None when it is not one we know."""
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    sqlstate = getattr(orig, "sqlstate", None) or ""
    constraint = getattr(diag, "constraint_name", None) or ""
    primary = (getattr(diag, "message_primary", None) or str(orig)).strip()
    detail = getattr(diag, "message_detail", None) or ""
    if constraint in TRIGGER_CONSTRAINTS:
        return Conflict(primary)
    if constraint in CONSTRAINT_MESSAGES:
        match = _KEY_VALUE.search(detail)
        value = match.group("value") if match else "that value"
        message = CONSTRAINT_MESSAGES[constraint].format(value=value)
        if sqlstate in {"23505", "23P01"}:  # unique, exclusion
            return Conflict(message)
        return ValidationFailed(message)
    if sqlstate == "23503":  # foreign key
        return NotFound(_foreign_key_message(detail))
    if sqlstate == "42501":
        return PermissionDenied(primary)
    if sqlstate == "22001":
        return ValidationFailed("a value is too long for the database")
    if sqlstate in {"40001", "40P01", "55P03"}:
        return Conflict("somebody else was changing the same record; try again")
    if sqlstate.startswith("23"):
        return ValidationFailed(f"the database refused the change: {primary}")
    return None


def _foreign_key_message(detail: str) -> str:
    match = _KEY_VALUE.search(detail + " ")
    if match and "is still referenced" in detail:
        return "that record is still used by other records and cannot be removed"
    if match:
        column = match.group("cols").removesuffix("_id").replace("_", " ")
        return f"there is no {column} with id {match.group('value')}"
    return "a referenced record does not exist"


# ---- validation -------------------------------------------------------------------------


def validate(model: type[M], data: Mapping[str, Any]) -> M:
    """Build `model` from `data`, or raise ValidationFailed naming each problem in plain words."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise ValidationFailed("; ".join(plain_errors(exc))) from exc


def merged_edit(model: type[M], current: Mapping[str, Any], changes: Mapping[str, Any]) -> M:
    """An edit form's `changes` laid over the locked row `current`, validated as a whole;
    a field the form may not change is refused by name."""
    unknown = set(changes) - set(model.model_fields)
    if unknown:
        raise ValidationFailed(f"{', '.join(sorted(unknown))}: cannot be changed here")
    return validate(model, {k: current[k] for k in model.model_fields} | dict(changes))


def plain_errors(exc: ValidationError) -> list[str]:
    """Each pydantic error as '<field>: <what is wrong>' a volunteer understands."""
    messages = []
    for error in exc.errors():
        field = " ".join(str(part) for part in error["loc"]).replace("_", " ") or "value"
        if error.get("type") == "string_pattern_mismatch":
            last = str(error["loc"][-1]) if error["loc"] else ""
            messages.append(f"{field}: {PATTERN_HINTS.get(last, 'is not in the expected form')}")
            continue
        messages.append(f"{field}: {_plain(error)}")
    return messages


def _plain(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a field that can be set here"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind == "string_too_short":
        return "must not be blank" if ctx.get("min_length") == 1 else (
            f"is too short (at least {ctx.get('min_length')} characters)")
    if kind in {"greater_than_equal", "greater_than"}:
        bound = ctx.get("ge", ctx.get("gt"))
        return f"must be {bound} or more" if kind == "greater_than_equal" else f"must be more than {bound}"
    if kind in {"less_than_equal", "less_than"}:
        return f"must be at most {ctx.get('le', ctx.get('lt'))}"
    if kind.startswith("date") or kind.startswith("datetime"):
        return "is not a date (use YYYY-MM-DD)"
    if kind.startswith(("decimal", "float", "int")):
        if kind.endswith("max_digits") or kind.endswith("whole_digits"):
            return "is too large"
        if kind.endswith("max_places"):
            return f"has too many decimal places (at most {ctx.get('decimal_places')})"
        return "is not a number"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '').replace(chr(39), '')}"
    if kind.startswith("string"):
        return "must be text"
    if kind == "value_error":
        return str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    return str(error.get("msg", "is not valid"))


def clean_text(value: object, *, required: bool = True, multiline: bool = False) -> Any:
    """Shared field check: strip, refuse blank (when required) and control characters."""
    if value is None:
        return None
    if not isinstance(value, str):
        return value  # pydantic's own type check reports it
    value = value.strip()
    if not value:
        if required:
            raise ValueError("must not be blank")
        return None
    pattern = _CONTROL if multiline else re.compile(r"[\x00-\x1f\x7f]")
    if pattern.search(value):
        raise ValueError("contains a control character (remove it and try again)")
    return value


def optional_text(value: object) -> Any:
    """clean_text for a field that may be left empty: blank becomes None."""
    return clean_text(value, required=False)


def notes_text(value: object) -> Any:
    """clean_text for free text that may be empty and may span lines (tabs and newlines allowed)."""
    return clean_text(value, required=False, multiline=True)


def lower_word(value: object) -> Any:
    """A one-word choice typed in any case (' Good ' -> 'good'); the field's type checks the word."""
    return value.strip().lower() if isinstance(value, str) else value


# Field types for write-command models: the shared check runs before the field's own type and
# constraints, so `name: RequiredText = Field(max_length=200)` strips, refuses blanks and control
# characters, then checks the length, with the same plain-words messages everywhere.
RequiredText = Annotated[str, BeforeValidator(clean_text)]
OptionalText = Annotated[str | None, BeforeValidator(optional_text)]
NotesText = Annotated[str | None, BeforeValidator(notes_text)]
# A choice (usually a Literal) accepted in any case and with spaces around: LowerWord[Condition].
LowerWord = Annotated[T, BeforeValidator(lower_word)]


# ---- audit JSON -------------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    """A value as it is stored in the audit log's JSON (dates ISO, money as a string)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def to_json(values: Mapping[str, Any] | None) -> str | None:
    return None if values is None else json.dumps(jsonable(dict(values)), ensure_ascii=False)


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(old, new) restricted to the keys of `new` whose value differs from `old`."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, value in new.items():
        if not same_value(old.get(key), value):
            before[key] = old.get(key)
            after[key] = value
    return before, after


def same_value(a: Any, b: Any) -> bool:
    """Equal as stored: 5 and 5.00 are the same money; otherwise compare the JSON forms."""
    if isinstance(a, Decimal | int | float) and isinstance(b, Decimal | int | float) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return Decimal(str(a)) == Decimal(str(b))
    return bool(jsonable(a) == jsonable(b))
