"""`python -m toolshare_core`: the command line."""

from toolshare_core.cli import main

raise SystemExit(main())
