"""secure-vault: keystore-encrypted secrets for deployment configs.

The public API is what this module re-exports; everything else is internal.

``import vault`` loads the exceptions and :class:`Secret` only. Every other name is
imported from its module when first used (PEP 562): a service that calls
:func:`load_config` pays for the resolver's modules and nothing else, and one that
only names an exception pays for no cryptography at all. ``tests/runtime/test_imports.py``
holds it so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vault.errors import AliasError as AliasError
from vault.errors import DecryptionError as DecryptionError
from vault.errors import InputError as InputError
from vault.errors import KeystoreFormatError as KeystoreFormatError
from vault.errors import KeyTroubleError as KeyTroubleError
from vault.errors import MalformedCiphertextError as MalformedCiphertextError
from vault.errors import NoKeyError as NoKeyError
from vault.errors import PasswordError as PasswordError
from vault.errors import ResolveError as ResolveError
from vault.errors import UsageError as UsageError
from vault.errors import VaultError as VaultError
from vault.secret import Secret as Secret

__version__ = "0.1.0"

# Each lazily re-exported name and the module it lives in.
_LAZY = {
    "KeyEntry": "vault.crypto.ring",
    "KeyRing": "vault.crypto.ring",
    "PasswordOptions": "vault.keys.passwords",
    "Passwords": "vault.keys.passwords",
    "find_passwords": "vault.keys.passwords",
    "KeystoreSpec": "vault.keys.spec",
    "join": "vault.keys.ring",
    "keystore_spec": "vault.keys.spec",
    "open_key_ring": "vault.keys.ring",
    "Entry": "vault.keystores",
    "Keystore": "vault.keystores",
    "load_keystore": "vault.keystores",
    "thumbprint": "vault.keystores",
    "LazySecrets": "vault.runtime.resolver",
    "Resolver": "vault.runtime.resolver",
    "Vault": "vault.runtime.load",
    "load_config": "vault.runtime.load",
    "write_secret_dir": "vault.runtime.load",
}

__all__ = [
    "AliasError",
    "DecryptionError",
    "Entry",
    "InputError",
    "KeyEntry",
    "KeyRing",
    "KeyTroubleError",
    "Keystore",
    "KeystoreFormatError",
    "KeystoreSpec",
    "LazySecrets",
    "MalformedCiphertextError",
    "NoKeyError",
    "PasswordError",
    "PasswordOptions",
    "Passwords",
    "ResolveError",
    "Resolver",
    "Secret",
    "UsageError",
    "Vault",
    "VaultError",
    "__version__",
    "find_passwords",
    "join",
    "keystore_spec",
    "load_config",
    "load_keystore",
    "open_key_ring",
    "thumbprint",
    "write_secret_dir",
]

if TYPE_CHECKING:
    # What the type checker sees: the same names, imported eagerly. (No module
    # ``__getattr__`` for it, so that ``vault.misspelt`` stays an error.)
    from vault.crypto.ring import KeyEntry as KeyEntry
    from vault.crypto.ring import KeyRing as KeyRing
    from vault.keys.passwords import PasswordOptions as PasswordOptions
    from vault.keys.passwords import Passwords as Passwords
    from vault.keys.passwords import find_passwords as find_passwords
    from vault.keys.ring import join as join
    from vault.keys.ring import open_key_ring as open_key_ring
    from vault.keys.spec import KeystoreSpec as KeystoreSpec
    from vault.keys.spec import keystore_spec as keystore_spec
    from vault.keystores import Entry as Entry
    from vault.keystores import Keystore as Keystore
    from vault.keystores import load_keystore as load_keystore
    from vault.keystores import thumbprint as thumbprint
    from vault.runtime.load import Vault as Vault
    from vault.runtime.load import load_config as load_config
    from vault.runtime.load import write_secret_dir as write_secret_dir
    from vault.runtime.resolver import LazySecrets as LazySecrets
    from vault.runtime.resolver import Resolver as Resolver
else:

    def __getattr__(name: str) -> object:
        """A lazy name's value, imported from its module on first use and then kept here,
        so the next use is a plain attribute."""
        home = _LAZY.get(name)
        if home is None:
            raise AttributeError(f"module 'vault' has no attribute {name!r}")
        from importlib import import_module

        value = getattr(import_module(home), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_LAZY})
