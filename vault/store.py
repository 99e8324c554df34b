"""Secret stores and ``$secret{alias}`` references: the rules both paths share.

Read-only and small: the resolver imports it too.

* A reference is ``$secret{alias}``, alone or inside a longer string;
  aliases are ``[A-Za-z0-9_.-]+``. ``$env{NAME}`` reads the environment.
* A store value ``[text]`` is plaintext waiting for ``configure`` (the text
  between the first ``[`` and the last ``]``, as WSO2 reads it); anything
  else is a ciphertext.
* TOML keeps its store in its own ``[secrets]`` table, YAML and JSON in the
  top-level ``secrets`` mapping; every other format in
  ``cipher-text.properties`` beside it (or the file ``--secrets`` names).
"""

from __future__ import annotations

import re
from pathlib import Path

REFERENCE = re.compile(r"\$secret\{([A-Za-z0-9_.-]+)\}")
ANY_REFERENCE = re.compile(r"\$secret\{([^}]*)\}")
ENV_REFERENCE = re.compile(r"\$env\{([^}]*)\}")
ALIAS = re.compile(r"[A-Za-z0-9_.-]+")
STORE_FILE_NAME = "cipher-text.properties"
INLINE_STORE_FORMATS = frozenset({"toml", "yaml", "json"})


def is_plaintext_entry(value: str) -> bool:
    """``[text]``: plaintext waiting to be encrypted."""
    stripped = value.strip()
    return len(stripped) >= 2 and stripped[0] == "[" and stripped[-1] == "]"


def plaintext_of(value: str) -> str:
    """The text between the first ``[`` and the last ``]``."""
    return value[value.index("[") + 1 : value.rindex("]")]


def references(value: str) -> list[str]:
    """Every alias a value refers to, in order."""
    return REFERENCE.findall(value)


def holds_reference(value: str) -> bool:
    return "$secret{" in value or "$env{" in value


def store_file_for(config: Path, format_name: str, secrets: Path | None = None) -> Path:
    """Where the aliases of ``config`` live: itself (TOML/YAML/JSON) or a properties file."""
    if secrets is not None:
        return secrets
    if format_name in INLINE_STORE_FORMATS:
        return config
    return config.parent / STORE_FILE_NAME
