"""Geo: boundary files, web geometry, harmonisation onto one geography."""
