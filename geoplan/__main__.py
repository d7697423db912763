"""`python -m geoplan` runs the CLI."""

from geoplan.cli.main import main

raise SystemExit(main())
