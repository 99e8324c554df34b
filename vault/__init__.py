"""secure-vault: keystore-encrypted secrets for deployment configs.

The public API is what this module re-exports; everything else is internal.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .cipher import KeyEntry as KeyEntry
from .cipher import KeyRing as KeyRing
from .errors import AliasError as AliasError
from .errors import DecryptionError as DecryptionError
from .errors import InputError as InputError
from .errors import KeystoreFormatError as KeystoreFormatError
from .errors import KeyTroubleError as KeyTroubleError
from .errors import MalformedCiphertextError as MalformedCiphertextError
from .errors import NoKeyError as NoKeyError
from .errors import PasswordError as PasswordError
from .errors import UsageError as UsageError
from .errors import VaultError as VaultError
from .keysource import KeystoreSpec as KeystoreSpec
from .keysource import join as join
from .keysource import keystore_spec as keystore_spec
from .keysource import open_key_ring as open_key_ring
from .keystores import Entry as Entry
from .keystores import Keystore as Keystore
from .keystores import load_keystore as load_keystore
from .keystores import thumbprint as thumbprint
from .passwords import PasswordOptions as PasswordOptions
from .passwords import Passwords as Passwords
from .passwords import find_passwords as find_passwords
from .resolver import LazySecrets as LazySecrets
from .resolver import ResolveError as ResolveError
from .resolver import Resolver as Resolver
from .resolver import Vault as Vault
from .resolver import load_config as load_config
from .resolver import write_secret_dir as write_secret_dir
from .secret import Secret as Secret
