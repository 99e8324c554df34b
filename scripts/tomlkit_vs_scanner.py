"""tomlkit against the hand-written TOML adapter (issue 17): why the project does not use it.

Byte-exactness: every string value of the TOML test samples, the corpus,
sample-configs/deployment.toml, 3,000 real files with characters changed (the valid
ones) and EXAMPLES generated documents (tests/configs/formats/test_toml.py's strategy)
is rewritten alone, by the adapter and by tomlkit (parse, assign, dumps); a rewrite
is byte-exact when every character outside the value's span is kept and tomllib
reads the result as the original with that one value changed. Speed: parse and
rewrite every secret of the bench's configure TOML (scripts/bench_fixtures.py) of
500 and 8,000 secrets, beside the whole configure.

tomlkit is no dependency: ``.venv/bin/pip install tomlkit`` first, then
``EXAMPLES=300 .venv/bin/python scripts/tomlkit_vs_scanner.py [exactness] [speed]``.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

import tomlkit
from hypothesis import HealthCheck, given, settings

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from tests.configs.formats.contract import NEW_VALUES, put  # noqa: E402
from tests.configs.formats.test_toml import TestToml, documents  # noqa: E402
from vault.configs.formats import apply_edits, parse  # noqa: E402

counts: dict[str, int] = {}
examples: dict[str, list[str]] = {}


def note(key: str, example: str | None = None) -> None:
    counts[key] = counts.get(key, 0) + 1
    if example is not None and len(examples.setdefault(key, [])) < 3:
        examples[key].append(example)


def tomlkit_set(text: str, path: tuple[Any, ...], value: str) -> str:
    doc = tomlkit.parse(text)
    container: Any = doc
    for part in path[:-1]:
        container = container[part]
    container[path[-1]] = value
    return tomlkit.dumps(doc)


def one_text(text: str) -> None:
    try:
        tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return
    note("documents")
    try:
        if tomlkit.dumps(tomlkit.parse(text)) != text:
            note("tomlkit: parse+dumps changes bytes", repr(text[:80]))
    except Exception as exc:
        note("tomlkit: fails to parse valid TOML", f"{type(exc).__name__}: {text[:60]!r}")
        return
    doc = parse(text, "toml")
    rng = random.Random(len(text))
    for scalar in doc.scalars():
        if not scalar.is_string:
            continue
        value = rng.choice(NEW_VALUES)
        expected = tomllib.loads(text)
        put(expected, scalar.path, value)
        note("rewrites")
        # the hand-written adapter
        after = apply_edits(text, [doc.replace(scalar, value)])
        same_outside = after.startswith(text[: scalar.start]) and after.endswith(text[scalar.end :])
        if not same_outside or tomllib.loads(after) != expected:
            note("hand-written: not byte-exact or wrong", repr(text[:60]))
        else:
            note("hand-written: byte-exact")
        if after[scalar.start : len(after) - (len(text) - scalar.end)][:1] == text[scalar.start]:
            note("hand-written: kept the token's quote")
        # tomlkit
        try:
            after_k = tomlkit_set(text, scalar.path, value)
        except Exception as exc:
            note("tomlkit: raises on the rewrite", f"{type(exc).__name__}: {exc}"[:100])
            continue
        try:
            right = tomllib.loads(after_k) == expected
        except tomllib.TOMLDecodeError:
            right = False
        same_outside = after_k.startswith(text[: scalar.start]) and after_k.endswith(
            text[scalar.end :]
        )
        if not right:
            note(
                "tomlkit: wrong data after the rewrite",
                f"{text[max(0, scalar.start - 20) : scalar.end + 20]!r} -> {value!r}",
            )
        elif not same_outside:
            note(
                "tomlkit: right data, bytes changed outside the value",
                f"{text[max(0, scalar.start - 20) : scalar.end + 20]!r}",
            )
        else:
            note("tomlkit: byte-exact")
        if after_k == after:
            note("tomlkit: same bytes as hand-written")


def corpus() -> list[str]:
    texts = [*TestToml.samples]
    texts += [p.read_text() for p in sorted((ROOT / "tests/configs/corpus/toml").glob("*.toml"))]
    texts.append((ROOT / "sample-configs/deployment.toml").read_text())
    return texts


def mutated(texts: list[str], n: int) -> list[str]:
    rng = random.Random(17)
    out = []
    chars = list("\"'[]{}=:#\\\n\t ,$-!&*|>%@`")
    for _ in range(n):
        text = list(rng.choice(texts[:1] + texts[6:]))
        for _ in range(rng.randint(1, 6)):
            text[rng.randrange(len(text))] = rng.choice(chars)
        out.append("".join(text))
    return out


def exactness(generated: int) -> None:
    for text in corpus():
        one_text(text)
    print("samples + corpus + sample-configs:", dict(counts))
    fixed = dict(counts)
    for text in mutated(corpus(), 3000):
        one_text(text)

    @settings(max_examples=generated, deadline=None, suppress_health_check=list(HealthCheck))
    @given(documents())
    def run(text: str) -> None:
        one_text(text)

    run()
    print("all (with 3000 mutated real files and", generated, "generated documents):")
    for key in sorted(counts):
        print(f"  {key}: {counts[key]} (fixed texts: {fixed.get(key, 0)})")
        for example in examples.get(key, []):
            print(f"      e.g. {example}")


# -- speed ------------------------------------------------------------------------------


def speed(sizes: tuple[int, ...]) -> None:
    from vault.crypto.cipher import KeyEntry, KeyRing
    from vault.keystores import load_keystore
    from vault.secret import Secret

    store = load_keystore(ROOT / "tests/vectors/keystores/jdk17.jks", Secret("storepass"))
    ring = KeyRing([KeyEntry(store.certificate("wso2carbon"), store.private_key("wso2carbon"))])
    ciphertext = ring.encrypt("x" * 16)
    folder = Path(tempfile.mkdtemp(prefix="tomlkit-measure-"))
    for n in sizes:
        _speed_at(n, folder, ring, ciphertext)


def _speed_at(n: int, folder: Path, ring: Any, ciphertext: str) -> None:
    try:
        from benchmarks import fixtures as F  # the bench's own configs
    except ImportError:  # before scripts/bench became a package
        import bench_fixtures as F

    from vault.operations.commands import Options, configure

    text, _ = F.config_text("toml", range(n), "configure")
    aliases = [F.alias(i) for i in range(n)]
    files = F.ConfigSet.make(folder / f"c{n}", "toml", n, "configure")

    def hand() -> None:
        doc = parse(text, "toml")
        edits = [doc.replace(s, ciphertext) for s in doc.store_entries()]
        apply_edits(text, edits)

    def kit() -> None:
        doc = tomlkit.parse(text)
        secrets: Any = doc["secrets"]
        for alias in aliases:
            secrets[alias] = ciphertext
        tomlkit.dumps(doc)

    def whole() -> None:
        files.reset()
        configure(files.paths, ring, Options())

    reps = 5 if n <= 1000 else 3
    row = {}
    for name, fn in (("hand-written", hand), ("tomlkit", kit), ("configure", whole)):
        times = []
        for _ in range(reps):
            start = time.process_time()
            fn()
            times.append(time.process_time() - start)
        row[name] = statistics.median(times)
    print(
        f"N={n} ({len(text.encode()) // 1024} KiB): parse+rewrite every secret, CPU s "
        f"(median of {reps}): hand-written {row['hand-written']:.3f}, "
        f"tomlkit {row['tomlkit']:.3f} ({row['tomlkit'] / row['hand-written']:.1f} x); "
        f"whole configure (RSA-OAEP, atomic write) {row['configure']:.3f}"
    )


if __name__ == "__main__":
    what = sys.argv[1:] or ["exactness", "speed"]
    if "exactness" in what:
        exactness(int(os.environ.get("EXAMPLES", "1000")))
    if "speed" in what:
        speed((500, 8000))
