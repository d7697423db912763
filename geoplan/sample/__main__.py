"""``python -m geoplan.sample``: regenerate the sample data."""

from geoplan.sample.generate import main

raise SystemExit(main())
