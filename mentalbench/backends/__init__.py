"""Bundled backends; each module is an ordinary mentalbench plugin."""
