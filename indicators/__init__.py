"""Indicators: registry, liveability and safety values, trends. Never imports dash."""
