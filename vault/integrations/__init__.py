"""Framework integrations, each importing its framework only when it is used."""
