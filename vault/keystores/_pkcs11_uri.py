"""``pkcs11:`` URIs (RFC 7512): which token, which key pair, which module.

Loaded only when a keystore name is such a URI (:func:`vault.keys.spec.is_pkcs11`),
so that no service start pays for it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from vault.errors import UsageError

ENV_PKCS11_MODULE = "CIPHERTOOL_PKCS11_MODULE"
PKCS11_SCHEME = "pkcs11:"
# Path attributes that pick a token or an object; query attributes that say how.
_PATH_ATTRIBUTES = ("token", "serial", "slot-id", "manufacturer", "model", "object", "id", "type")
_OBJECT_TYPES = ("private", "public", "cert")
_PIN_ATTRIBUTES = ("pin-value", "pin-source")


class Pkcs11Uri:
    """A ``pkcs11:`` URI: which token (``token`` label, ``serial``, ``slot-id``), which
    key pair (``object`` label or ``id``) and which module (``module-path``)."""

    __slots__ = (
        "id",
        "manufacturer",
        "model",
        "module_path",
        "object",
        "serial",
        "slot_id",
        "text",
        "token",
    )

    def __init__(
        self,
        text: str,
        *,
        token: str | None = None,
        serial: str | None = None,
        slot_id: int | None = None,
        manufacturer: str | None = None,
        model: str | None = None,
        object: str | None = None,
        id: bytes | None = None,
        module_path: str | None = None,
    ) -> None:
        self.text = text
        self.token = token
        self.serial = serial
        self.slot_id = slot_id
        self.manufacturer = manufacturer
        self.model = model
        self.object = object
        self.id = id
        self.module_path = module_path

    def __repr__(self) -> str:
        return f"Pkcs11Uri({self.text!r})"

    def with_object(self, label: str) -> Pkcs11Uri:
        """The same URI naming the key pair ``label``."""
        fields = {name: getattr(self, name) for name in self.__slots__ if name != "text"}
        return Pkcs11Uri(self.text, **{**fields, "object": label})

    def module(self, environ: Mapping[str, str] | None = None) -> str:
        """The PKCS#11 module: the URI's ``module-path``, else ``$CIPHERTOOL_PKCS11_MODULE``."""
        env = os.environ if environ is None else environ
        module = self.module_path or env.get(ENV_PKCS11_MODULE)
        if not module:
            raise UsageError(
                f"{self.text}: no PKCS#11 module: add ?module-path=/path/to/module.so "
                f"to the URI or set ${ENV_PKCS11_MODULE}"
            )
        return module


def _pct_decode(value: str, name: str, text: str) -> bytes:
    """RFC 3986 percent-decoding, strictly: a stray '%' is an error, not a literal."""
    out = bytearray()
    i = 0
    raw = value.encode("utf-8")
    while i < len(raw):
        if raw[i] == 0x25:  # '%'
            pair = raw[i + 1 : i + 3]
            try:
                if len(pair) != 2:
                    raise ValueError
                out.append(int(pair, 16))
            except ValueError:
                raise UsageError(f"{text}: bad percent-encoding in '{name}'") from None
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return bytes(out)


def parse(text: str, *, from_config: bool = False) -> Pkcs11Uri:
    """Parse a ``pkcs11:`` URI naming a token's key pair.

    ``pin-value`` and ``pin-source`` are refused: the PIN is a store password and
    comes from the password sources, never from a URI that lands in argv, the
    environment or a config. A URI a config file names may not choose the module
    (``module-path``): loading a library is running code, and a config's writer is
    not trusted with that; the operator's ``$CIPHERTOOL_PKCS11_MODULE`` is used.
    """
    if text[:7].lower() != PKCS11_SCHEME:
        raise UsageError(f"'{text}' is not a pkcs11: URI")
    body = text[len(PKCS11_SCHEME) :]
    path, _, query = body.partition("?")
    seen: dict[str, str] = {}
    parts = [("path", p) for p in path.split(";") if p]
    parts += [("query", q) for q in query.split("&") if q]
    for where, part in parts:
        name, equals, value = part.partition("=")
        name = name.lower()
        if name in _PIN_ATTRIBUTES:
            # Said without the URI: it holds the PIN.
            raise UsageError(
                f"a pkcs11: URI may not carry the PIN ({name}); give it as the store password "
                "(--storepass-file, --storepass-env, $CIPHERTOOL_KEYSTORE_PASSWORD, ...)"
            )
        if not equals:
            raise UsageError(f"{text}: '{part}' is not an attribute=value pair")
        known = _PATH_ATTRIBUTES if where == "path" else ("module-path",)
        if name not in known:
            raise UsageError(
                f"{text}: unsupported {where} attribute '{name}' (supported: {', '.join(known)})"
            )
        if name in seen:
            raise UsageError(f"{text}: attribute '{name}' given twice")
        seen[name] = value
    if from_config and "module-path" in seen:
        raise UsageError(
            f"{text}: a keystore named by a config file may not choose the PKCS#11 module "
            f"(module-path); set ${ENV_PKCS11_MODULE}"
        )

    def text_of(name: str) -> str | None:
        if name not in seen:
            return None
        try:
            return _pct_decode(seen[name], name, text).decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"{text}: '{name}' is not UTF-8") from None

    slot = text_of("slot-id")
    if slot is not None and not slot.isdigit():
        raise UsageError(f"{text}: slot-id must be a decimal number")
    kind = text_of("type")
    if kind is not None and kind not in _OBJECT_TYPES:
        raise UsageError(f"{text}: type '{kind}' does not name a key pair (private, cert)")
    return Pkcs11Uri(
        text,
        token=text_of("token"),
        serial=text_of("serial"),
        slot_id=int(slot) if slot is not None else None,
        manufacturer=text_of("manufacturer"),
        model=text_of("model"),
        object=text_of("object"),
        id=_pct_decode(seen["id"], "id", text) if "id" in seen else None,
        module_path=text_of("module-path"),
    )
