"""A value that does not show itself.

Plaintexts and passwords travel in :class:`Secret` so that a stray ``repr``,
f-string, log call or traceback prints ``Secret('***')`` and never the value.
"""

from __future__ import annotations

from typing import NoReturn

__all__ = ["Secret"]


class Secret:
    """Holds a text secret; :meth:`reveal` is the only way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("Secret holds str; decode bytes first")
        self._value = value

    def reveal(self) -> str:
        """Return the plaintext. Call it only where the value is used."""
        return self._value

    def encode(self) -> bytes:
        """The UTF-8 bytes of the value."""
        return self._value.encode("utf-8")

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __len__(self) -> int:
        return len(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        import hmac

        return hmac.compare_digest(self.encode(), other.encode())

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret is not pickled")
