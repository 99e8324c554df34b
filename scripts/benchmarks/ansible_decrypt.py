"""The Ansible Vault peer's decrypt side (run by scripts/bench in Ansible's own venv).

    python scripts/benchmarks/ansible_decrypt.py PASSWORD_FILE ENCRYPTED_YAML

ENCRYPTED_YAML is what ``ansible-vault encrypt_string`` printed for N values; each
``!vault |`` value is decrypted with ``VaultLib``, as Ansible does when it reads
vars. Prints JSON: ``import_s`` (importing Ansible's vault), ``decrypt_s`` (the N
decryptions) and ``n``.
"""

from __future__ import annotations

import json
import re
import sys
import time

BLOCK = re.compile(r"!vault \|\n((?:[ \t]+\S.*(?:\n|$))+)")


def main(password_file: str, encrypted: str) -> dict[str, float | int]:
    start = time.perf_counter()
    from ansible.parsing.vault import VaultLib, VaultSecret  # type: ignore[import-not-found]

    imported = time.perf_counter()
    with open(password_file, "rb") as handle:
        secret = VaultSecret(handle.read().strip())
    with open(encrypted) as handle:
        blocks = BLOCK.findall(handle.read())
    texts = ["".join(line.strip() + "\n" for line in b.splitlines()) for b in blocks]
    lib = VaultLib([("default", secret)])
    begun = time.perf_counter()
    values = [lib.decrypt(text) for text in texts]
    done = time.perf_counter()
    assert all(values)
    return {"import_s": imported - start, "decrypt_s": done - begun, "n": len(values)}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
