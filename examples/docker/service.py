"""The example service: its database password in $DB_PASSWORD (from `ciphertool exec`)
or in the file $DB_PASSWORD_FILE names (`ciphertool resolve --output-dir`), and a
SIGTERM handler, since it runs as PID 1 (see the Dockerfile)."""

import os
import signal
import sys
from pathlib import Path


def main() -> int:
    password = os.environ.get("DB_PASSWORD")
    if password is None:
        password = Path(os.environ["DB_PASSWORD_FILE"]).read_text()
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.append(signum))
    print(f"ready: pid {os.getpid()}, database password of {len(password)} characters")
    sys.stdout.flush()
    while not stopping:
        signal.pause()
    print("stopping on SIGTERM")
    return 0


if __name__ == "__main__":
    sys.exit(main())
