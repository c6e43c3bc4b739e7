"""Thin translators between a platform and the core: events in, neutral replies out."""
