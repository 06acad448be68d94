"""The package version; bumped whenever a clinical rule or number changes."""

__version__ = "0.8.0"
SCHEMA_VERSION = 2
