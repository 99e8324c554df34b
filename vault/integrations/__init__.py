"""Framework integrations (pydantic-settings), each importing its framework only when used."""
