"""secure-vault: keystore-encrypted secrets for deployment configs.

The public API is what this module re-exports; everything else is internal.
"""

from __future__ import annotations

__version__ = "0.1.0"

from vault.crypto.cipher import KeyEntry as KeyEntry
from vault.crypto.cipher import KeyRing as KeyRing
from vault.errors import AliasError as AliasError
from vault.errors import DecryptionError as DecryptionError
from vault.errors import InputError as InputError
from vault.errors import KeystoreFormatError as KeystoreFormatError
from vault.errors import KeyTroubleError as KeyTroubleError
from vault.errors import MalformedCiphertextError as MalformedCiphertextError
from vault.errors import NoKeyError as NoKeyError
from vault.errors import PasswordError as PasswordError
from vault.errors import UsageError as UsageError
from vault.errors import VaultError as VaultError
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
from vault.runtime.resolver import ResolveError as ResolveError
from vault.runtime.resolver import Resolver as Resolver
from vault.secret import Secret as Secret
