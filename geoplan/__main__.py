"""`python -m geoplan` runs the CLI."""

from geoplan.cli import main

raise SystemExit(main())
