"""CSV import of items and members: column mapping (with ready mappings for other lending
systems' exports), a dry run listing each row's problems by row number, create vs update by
`code` / `member_no`, and an all-or-nothing apply with progress and audit entries."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.engine import Connection

from toolshare_core import records
from toolshare_core.errors import ToolShareError, ValidationFailed
from toolshare_core.inventory import ItemFields, insert_item, item_changes
from toolshare_core.members import MemberFields, insert_member, member_changes
from toolshare_core.roles import StaffUser
from toolshare_core.writes import same_value, validate, write_block

Kind = Literal["items", "members"]
Progress = Callable[[int, int], None]
MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024

# Target fields per kind (the allow-list a mapping may name). The key field comes first.
FIELDS: dict[str, tuple[str, ...]] = {
    "items": ("code", "name", "category", "location", "condition", "replacement_value",
              "acquired_on", "brand", "notes"),
    "members": ("member_no", "name", "email", "postcode", "joined_on", "status", "phone", "notes"),
}
KEY = {"items": "code", "members": "member_no"}
REQUIRED_NEW = {"items": ("code", "name", "category", "location"), "members": ("member_no", "name")}


@dataclass(frozen=True)
class Preset:
    """A ready column mapping for another system's export. `verified` is False when the headers
    were written from documentation and screenshots, not checked against a real file."""

    name: str
    kind: Kind
    mapping: dict[str, str]
    verified: bool
    note: str = ""


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("ToolShare items CSV", "items", {f: f for f in FIELDS["items"]}, True,
           "the column names ToolShare itself uses"),
    Preset("ToolShare members CSV", "members", {f: f for f in FIELDS["members"]}, True,
           "the column names ToolShare itself uses"),
    Preset("myTurn item export (unverified)", "items", {
        "Item ID": "code", "Item Name": "name", "Name": "name", "Category": "category",
        "Location": "location", "Condition": "condition", "Replacement Value": "replacement_value",
        "Purchase Price": "replacement_value", "Date Acquired": "acquired_on",
        "Acquisition Date": "acquired_on", "Manufacturer": "brand", "Brand": "brand",
        "Description": "notes", "Notes": "notes"}, False,
        "plausible myTurn item-export headers; not checked against a real export"),
    Preset("myTurn member export (unverified)", "members", {
        "Member ID": "member_no", "Membership ID": "member_no", "First Name": "name",
        "Last Name": "name", "Email": "email", "Email Address": "email", "Zip": "postcode",
        "Postal Code": "postcode", "Phone": "phone", "Join Date": "joined_on",
        "Member Since": "joined_on", "Status": "status", "Notes": "notes"}, False,
        "plausible myTurn member-export headers (first and last name are joined); unverified"),
    Preset("Lend Engine item export (unverified)", "items", {
        "Code": "code", "Name": "name", "Category": "category", "Location": "location",
        "Condition": "condition", "Value": "replacement_value", "Price paid": "replacement_value",
        "Brand": "brand", "Description": "notes"}, False,
        "plausible Lend Engine headers; not checked against a real export"),
)}


@dataclass
class RowPlan:
    row: int  # the line in the file (the header is line 1)
    key: str
    action: Literal["create", "update", "unchanged", "error"]
    values: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    row_id: int | None = None


@dataclass
class ImportPlan:
    kind: Kind
    rows: list[RowPlan]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not any(r.problems for r in self.rows)

    def problems(self) -> pd.DataFrame:
        """One line per problem: row (line in the file), key, problem."""
        return pd.DataFrame([{"row": r.row, "key": r.key, "problem": p}
                             for r in self.rows for p in r.problems],
                            columns=["row", "key", "problem"])

    def summary(self) -> pd.DataFrame:
        """Every row with what the import will do: row, key, action, changes."""
        return pd.DataFrame([{"row": r.row, "key": r.key, "action": r.action,
                              "changes": ", ".join(f"{k}: {v}" for k, v in r.changes.items())}
                             for r in self.rows], columns=["row", "key", "action", "changes"])

    def counts(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "unchanged": 0, "error": 0}
        for r in self.rows:
            out[r.action] += 1
        return out


@dataclass(frozen=True)
class ImportResult:
    batch_id: uuid.UUID
    created: int
    updated: int
    unchanged: int


def read_csv(data: bytes | str) -> pd.DataFrame:
    """The file as text columns (nothing guessed); UTF-8 (with or without BOM) or Windows-1252."""
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise ValidationFailed("the file is larger than 20 MB; split it into smaller files")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    else:
        text = data
    if not text.strip():
        raise ValidationFailed("the file is empty")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=delimiter,
                            skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as exc:
        raise ValidationFailed(f"the file is not a readable CSV ({exc})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame) > MAX_ROWS:
        raise ValidationFailed(f"the file has {len(frame)} rows; import at most {MAX_ROWS} at once")
    return frame


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.lower()).strip("_")


def suggest_mapping(kind: Kind, headers: list[str], preset: str | None = None) -> dict[str, str | None]:
    """Header -> target field (None = ignore): from the preset, else by matching names."""
    known = {_norm(k): v for k, v in PRESETS[preset].mapping.items()} if preset else {}
    fields = {_norm(f): f for f in FIELDS[kind]}
    return {h: known.get(_norm(h)) or fields.get(_norm(h)) for h in headers}


def check_mapping(kind: Kind, mapping: Mapping[str, str | None]) -> dict[str, list[str]]:
    """Target field -> the headers feeding it; refuses unknown targets and a missing key."""
    if kind not in FIELDS:
        raise ValidationFailed(f"cannot import {kind}; choose items or members")
    targets: dict[str, list[str]] = {}
    for header, target in mapping.items():
        if not target:
            continue
        if target not in FIELDS[kind]:
            raise ValidationFailed(f"column {header}: {target} is not a field of {kind}")
        targets.setdefault(target, []).append(header)
    for target, headers in targets.items():
        if len(headers) > 1 and target not in ("name", "notes"):
            raise ValidationFailed(f"{', '.join(headers)} are all mapped to {target}; keep one")
    if KEY[kind] not in targets:
        raise ValidationFailed(f"map a column to {KEY[kind]}: it decides create or update")
    return targets


def _row_values(raw: Mapping[Any, Any], targets: dict[str, list[str]]) -> dict[str, str]:
    values = {}
    for target, headers in targets.items():
        parts = [str(raw.get(h, "")).strip() for h in headers]
        joined = " ".join(p for p in parts if p) if target != "notes" else "\n".join(p for p in parts if p)
        if joined:
            values[target] = joined
    if "replacement_value" in values:
        values["replacement_value"] = re.sub(r"[£$€\s,]", "", values["replacement_value"])
    return values


class _Refs:
    """Category and location names resolved once per import."""

    def __init__(self, conn: Connection) -> None:
        cats = conn.execute(sa.text("select category_id, name, path from category_paths")).all()
        self.paths = {str(c.path).lower(): int(c.category_id) for c in cats}
        self.names: dict[str, list[int]] = {}
        for c in cats:
            self.names.setdefault(str(c.name).lower(), []).append(int(c.category_id))
        self.locations = {str(n).lower(): int(i) for i, n in
                          conn.execute(sa.text("select id, name from locations")).all()}

    def category(self, value: str) -> int:
        key = value.strip().lower()
        if key in self.paths:
            return self.paths[key]
        found = self.names.get(key, [])
        if len(found) == 1:
            return found[0]
        if found:
            raise ValidationFailed(f"category {value} is ambiguous; write it as 'Top / Sub'")
        raise ValidationFailed(f"there is no category {value} (add it under Edit inventory first)")

    def location(self, value: str) -> int:
        found = self.locations.get(value.strip().lower())
        if found is None:
            raise ValidationFailed(f"there is no location named {value} (add it first)")
        return found


def _resolve(values: dict[str, Any], refs: _Refs | None, problems: list[str]) -> dict[str, Any]:
    """Names to ids; an unknown name becomes a problem (and the field is left out)."""
    out = dict(values)
    if refs is None:
        return out
    for name, lookup in (("category", refs.category), ("location", refs.location)):
        if name in out:
            try:
                out[f"{name}_id"] = lookup(out.pop(name))
            except ToolShareError as exc:
                problems.append(str(exc))
    return out


def _plan_row(conn: Connection, kind: Kind, number: int, values: dict[str, Any], refs: _Refs | None,
              existing: dict[str, Any] | None) -> RowPlan:
    key = str(values.get(KEY[kind], ""))
    plan = RowPlan(row=number, key=key, action="error")
    model: type[BaseModel] = ItemFields if kind == "items" else MemberFields
    problems: list[str] = []
    resolved = _resolve(values, refs, problems)
    unresolved = {f"{n} id: is required" for n in ("category", "location") if n in values}
    try:
        if existing is None:
            problems.extend(f"{f}: is required" for f in REQUIRED_NEW[kind]
                            if f not in values and f in ("category", "location"))
            plan.values = validate(model, resolved).model_dump()
            plan.changes = {k: v for k, v in values.items() if k != KEY[kind]}
            plan.action = "create"
        else:
            check = item_changes if kind == "items" else member_changes
            plan.values = check(conn, existing, resolved)
            plan.row_id = int(existing["id"])
            plan.changes = {k: values.get(k.removesuffix("_id"), v) for k, v in plan.values.items()
                            if not same_value(existing.get(k), v)}
            plan.action = "update" if plan.changes else "unchanged"
    except ToolShareError as exc:
        problems.extend(p for p in str(exc).split("; ")
                        if p not in unresolved and p not in ("category id: is required",
                                                              "location id: is required"))
    if problems:
        plan.problems, plan.action = problems, "error"
    return plan


def dry_run(conn: Connection, kind: Kind, frame: pd.DataFrame, mapping: Mapping[str, str | None]) -> ImportPlan:
    """What the import would do, row by row, and every problem by row number. Writes nothing."""
    targets = check_mapping(kind, mapping)
    refs = _Refs(conn) if kind == "items" else None
    table = "items" if kind == "items" else "members"
    key_col = KEY[kind]
    rows: list[RowPlan] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(frame.to_dict("records")):
        number = position + 2
        values = _row_values(raw, targets)
        key = values.get(key_col, "")
        if key and key in seen:
            rows.append(RowPlan(row=number, key=key, action="error",
                                problems=[f"{key_col} {key} appears again (first on row {seen[key]})"]))
            continue
        if key:
            seen[key] = number
        existing = None
        if key:
            tbl = sa.table(table, sa.column(key_col))
            found = conn.execute(sa.select(sa.text("*")).select_from(tbl)
                                 .where(tbl.c[key_col] == key)).mappings().one_or_none()
            existing = dict(found) if found else None
        rows.append(_plan_row(conn, kind, number, values, refs, existing))
    if not rows:
        raise ValidationFailed("the file has a header but no rows")
    return ImportPlan(kind=kind, rows=rows)


def apply_import(conn: Connection, actor: StaffUser, kind: Kind, frame: pd.DataFrame,
                 mapping: Mapping[str, str | None], progress: Progress | None = None) -> ImportResult:
    """Import every row or none: the dry run is repeated inside the transaction, and any problem
    refuses the whole file. One audit entry per created or updated row, under one batch id."""
    with write_block(conn, actor):
        plan = dry_run(conn, kind, frame, mapping)
        if not plan.ok:
            problems = plan.problems()
            first = problems.iloc[0]
            raise ValidationFailed(
                f"{problems['row'].nunique()} rows have problems (first: row {first['row']}: "
                f"{first['problem']}); nothing was imported")
        batch_id = uuid.uuid4()
        total = len(plan.rows)
        table = "items" if kind == "items" else "members"
        for done, row in enumerate(plan.rows, start=1):
            if row.action == "create":
                if kind == "items":
                    insert_item(conn, actor, ItemFields(**row.values), batch_id, action="import")
                else:
                    insert_member(conn, actor, MemberFields(**row.values), batch_id, action="import")
            elif row.action == "update" and row.row_id is not None:
                current = records.lock_row(conn, table, row.row_id)
                records.save(conn, actor, table=table, current=current, values=row.values,
                             action="import", batch_id=batch_id)
            if progress is not None and (done == total or done % 50 == 0):
                progress(done, total)
        counts = plan.counts()
        return ImportResult(batch_id=batch_id, created=counts["create"], updated=counts["update"],
                            unchanged=counts["unchanged"])
