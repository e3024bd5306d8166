"""Errors a volunteer can act on. Every message says what happened and what to do."""

from __future__ import annotations


class ToolShareError(Exception):
    """Base of all errors whose message is shown to a person as it is (no traceback)."""


class ConfigError(ToolShareError):
    """A setting is missing or malformed."""


class DatabaseUnavailable(ToolShareError):
    """The database cannot be reached or is not ToolShare's (missing schema, not migrated)."""


class ValidationFailed(ToolShareError):
    """Input was refused before anything was written."""


class NotFound(ToolShareError):
    """A referenced row (item, member, loan, ...) does not exist."""


class Conflict(ToolShareError):
    """The change collides with the current state (a duplicate code, an item already out,
    somebody else's newer edit)."""


class PermissionDenied(ToolShareError):
    """The caller's role does not allow this action."""
