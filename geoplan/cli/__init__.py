"""The ``geoplan`` command line: :mod:`geoplan.cli.main` parses, :mod:`geoplan.cli.commands` act."""
