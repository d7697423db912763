"""CLI subcommands, one module each (see :mod:`geoplan.cli`)."""
