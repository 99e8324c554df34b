"""One module per command group, each loaded when its command runs (see
:data:`vault.cli.app.COMMANDS`): parse, call the library, print."""
