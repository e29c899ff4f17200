"""Loaders: from the publishers (CBS OData, KWB downloads, Leefbaarometer) to the tidy store."""
