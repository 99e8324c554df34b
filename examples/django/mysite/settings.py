"""Django settings whose secrets come from a protected config.

``vault.load_config`` runs once, when Django imports this module: it opens the
keystore ($CIPHERTOOL_KEYSTORE, else the config's [keystore.internal] table; its
password from $CIPHERTOOL_KEYSTORE_PASSWORD, a password-persist file or systemd's
$CREDENTIALS_DIRECTORY) and returns the config with every $secret{alias} decrypted.
Anything that cannot be decrypted stops the start with a vault.VaultError naming
the alias and the file; no setting is ever left empty or set to the alias.
"""

import os
from pathlib import Path

import vault

BASE_DIR = Path(__file__).resolve().parent.parent
CONFIG = vault.load_config(os.environ.get("APP_CONFIG", BASE_DIR / "deployment.toml"))

SECRET_KEY = CONFIG["django"]["secret_key"]
DEBUG = CONFIG["django"].get("debug", False)
ALLOWED_HOSTS = CONFIG["django"].get("allowed_hosts", [])

_db = CONFIG["database"]
DATABASES = {
    "default": {
        "ENGINE": _db.get("engine", "django.db.backends.postgresql"),
        "NAME": _db["name"],
        "USER": _db.get("user", ""),
        "PASSWORD": _db.get("password", ""),
        "HOST": _db.get("host", ""),
        "PORT": _db.get("port", ""),
    }
}

INSTALLED_APPS: list[str] = []  # your apps
ROOT_URLCONF = "mysite.urls"
USE_TZ = True
