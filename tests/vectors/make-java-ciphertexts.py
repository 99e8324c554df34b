"""Makes tests/vectors/java-ciphertexts.json: what Java's javax.crypto.Cipher writes.

Run by hand from the repository root with a JDK on PATH:
    .venv/bin/python tests/vectors/make-java-ciphertexts.py
Each vector is one Cipher.doFinal by tests/java/Interop.java with the public
key of alias wso2carbon in keystores/jdk17.jks (store password "storepass"),
in each transformation, as a plain RSA block and as a WSO2 CryptoUtil
self-contained envelope (Gson escaping: '=' as \\u003d).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.javainterop import Java, b64, compile_interop, request

HERE = Path(__file__).parent
STORE = HERE / "keystores" / "jdk17.jks"
TRANSFORMATIONS = [
    "RSA",
    "RSA/ECB/PKCS1Padding",
    "RSA/ECB/OAEPwithSHA1andMGF1Padding",
    "RSA/ECB/OAEPWithSHA-256AndMGF1Padding",
]
VALUES = ["wso2carbon", "pässwörd ✓\nline two", ""]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        java = Java(compile_interop(Path(folder)))
        requests, meta = [], []
        for transformation in TRANSFORMATIONS:
            for fmt in ("plain", "self-contained"):
                for value in VALUES:
                    requests.append(
                        request(
                            "encrypt",
                            STORE,
                            "JKS",
                            "storepass",
                            "wso2carbon",
                            transformation,
                            fmt,
                            b64(value),
                        )
                    )
                    meta.append(
                        {"transformation": transformation, "format": fmt, "plaintext": value}
                    )
        answers = java.batch(requests)
    vectors = []
    for info, (status, result) in zip(meta, answers, strict=True):
        assert status == "ok", result
        vectors.append({**info, "ciphertext": result})
    doc = {
        "keystore": "keystores/jdk17.jks",
        "storetype": "JKS",
        "storepass": "storepass",
        "alias": "wso2carbon",
        "made_by": "tests/vectors/make-java-ciphertexts.py (JDK 17 javax.crypto.Cipher)",
        "vectors": vectors,
    }
    (HERE / "java-ciphertexts.json").write_text(
        json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    )


if __name__ == "__main__":
    main()
