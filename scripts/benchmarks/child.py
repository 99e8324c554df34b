"""One measured case in a process of its own, for its peak memory (run by scripts/bench).

    python scripts/benchmarks/child.py CASE ARGS...

Prints one line of JSON: ``seconds`` and ``cpu`` (wall and CPU seconds of the
operation alone, imports and keystore load excluded), ``rss_before_kb`` (the RSS
once imports are done and the keystore is open: VmRSS) and ``peak_rss_kb`` (the
peak RSS of the whole process: VmHWM), both from /proc/self/status.

Cases:
    resolve CONFIG KEYSTORE     vault.Vault(ring).load(CONFIG)
    configure KEYSTORE FILE...  vault.operations.configure.configure(FILES)
    resolve-floor DER CONFIG    tomllib.load(CONFIG), then a cryptography decryption of
                                each ciphertext of its [secrets] table
    configure-floor DER CONFIG  tomllib.loads, a cryptography encryption of each
                                [plaintext] entry, the text rewritten (temp, fsync, rename)
DER is the private key as unencrypted PKCS#8; the floors use cryptography alone.
The keystore password comes from CIPHERTOOL_KEYSTORE_PASSWORD.
"""

from __future__ import annotations

import base64
import json
import os
import re
import resource
import sys
import time
import tomllib
from pathlib import Path
from typing import Any


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def peak_kb() -> int:
    """This program's peak RSS. VmHWM, not ru_maxrss: on Linux ru_maxrss keeps the
    high-water mark of the process before exec, i.e. of the forked benchmark."""
    hwm = _status_kb("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def rss_kb() -> int:
    rss = _status_kb("VmRSS")
    return rss if rss is not None else peak_kb()


def ring(keystore: str) -> object:
    import vault

    return vault.open_key_ring(
        vault.KeystoreSpec(keystore), vault.PasswordOptions(), environ=dict(os.environ)
    )


def raw_key(der: str) -> Any:
    """The unencrypted PKCS#8 DER key the floors use, and OAEP-SHA1."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    key = serialization.load_der_private_key(
        Path(der).read_bytes(), None, unsafe_skip_rsa_key_validation=True
    )
    return key, padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None)


def resolve_floor(key: Any, oaep: Any, config: str) -> None:
    """The least a resolver of a TOML file must do: parse it, decrypt its store."""
    with open(config, "rb") as handle:
        data = tomllib.load(handle)
    for ciphertext in data["secrets"].values():
        envelope = json.loads(base64.b64decode(ciphertext))
        key.decrypt(base64.b64decode(envelope["c"]), oaep)


def configure_floor(key: Any, oaep: Any, config: str) -> None:
    """The least a configure of a TOML file must do: parse it, encrypt each
    ``[plaintext]`` entry, write the file back (temp, fsync, rename). No spans, no
    envelope, no lock: a floor, not a rival."""
    public = key.public_key()
    path = Path(config)
    text = path.read_text()
    store = tomllib.loads(text)["secrets"]
    sealed = {
        alias: base64.b64encode(public.encrypt(value[1:-1].encode(), oaep)).decode()
        for alias, value in store.items()
        if value.startswith("[") and value.endswith("]")
    }
    entry = re.compile(r'^([A-Za-z0-9_-]+) = "\[[^"\n]*\]"$', re.MULTILINE)

    def seal(match: re.Match[str]) -> str:
        found = sealed.get(match.group(1))
        return f'{match.group(1)} = "{found}"' if found else match.group(0)

    temp = path.with_name(path.name + ".tmp")
    with open(temp, "w") as out:
        out.write(entry.sub(seal, text))
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, path)


def main(case: str, args: list[str]) -> dict[str, float | int]:
    if case == "resolve":
        import vault

        config, keystore = args
        v = vault.Vault(ring(keystore))  # type: ignore[arg-type]
        before = rss_kb()
        start, cpu = time.perf_counter(), time.process_time()
        v.load(config)
    elif case == "configure":
        from vault.operations.configure import configure
        from vault.operations.workspace import Options

        keystore, *files = args
        key_ring = ring(keystore)
        before = rss_kb()
        start, cpu = time.perf_counter(), time.process_time()
        configure([Path(f) for f in files], key_ring, Options())  # type: ignore[arg-type]
    elif case in ("resolve-floor", "configure-floor"):
        der, config = args
        key, oaep = raw_key(der)
        floor = resolve_floor if case == "resolve-floor" else configure_floor
        before = rss_kb()
        start, cpu = time.perf_counter(), time.process_time()
        floor(key, oaep, config)
    else:
        raise SystemExit(f"unknown case {case!r}")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu": cpu, "rss_before_kb": before, "peak_rss_kb": peak_kb()}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2:])))
