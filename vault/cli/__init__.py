"""The command line: a fast path for resolve/exec and the click app, from one table of options."""
