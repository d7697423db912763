"""Planning analyses on in-memory layers (no file I/O, no display)."""
