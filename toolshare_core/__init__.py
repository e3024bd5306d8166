"""ToolShare core: the domain of a community tool library, over PostgreSQL."""

__version__ = "0.1.0"
