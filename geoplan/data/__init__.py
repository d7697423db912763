"""Reading, mapping and validating a zone's files: the only package that touches disk."""
