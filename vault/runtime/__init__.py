"""The read-only runtime: the resolver, load_config, and what exec and --output export."""
