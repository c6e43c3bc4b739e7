"""Curated Cold War content as YAML data, with the schema and the loader that validate it."""

from content.loader import Content, ContentError, LoadResult, content_digest, content_root, load_content

__all__ = ["Content", "ContentError", "LoadResult", "content_digest", "content_root", "load_content"]
