"""Configuration files: one YAML loader that keeps line numbers, and typed models."""
