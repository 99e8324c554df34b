"""The benchmarks of ``./scripts/bench``: one module per section (see ``__main__``)."""
