"""The package version, importable without importing the package root."""

__version__ = "0.2.0"
