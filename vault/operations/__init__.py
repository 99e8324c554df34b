"""The write commands (configure, protect, change, inspect, rotate) over a shared workspace."""
