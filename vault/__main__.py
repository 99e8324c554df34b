from vault.cli.fast import main

main()
