"""A sample service: its config is read through the resolver at startup.

    CIPHERTOOL_KEYSTORE_PASSWORD=... python service.py deployment.toml

The keystore comes from deployment.toml's [keystore.primary] (or
$CIPHERTOOL_KEYSTORE); if any secret cannot be resolved the service does
not start, and the error names the alias and the file.
"""

import sys

import vault


def main() -> int:
    try:
        settings = vault.load_config(sys.argv[1] if len(sys.argv) > 1 else "deployment.toml")
    except vault.VaultError as exc:
        print(f"service: cannot start: {exc}", file=sys.stderr)
        return 3
    db = settings["database"]["shared_db"]
    admin = settings["super_admin"]
    # A real service would connect here; it never prints the secrets themselves.
    print(f"service: connecting to {db['url']} as {db['username']} "
          f"(password of {len(db['password'])} characters); admin user {admin['username']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
