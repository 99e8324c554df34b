"""The example service: its database password in $DB_PASSWORD (from `ciphertool exec`),
and a SIGTERM handler, since it runs as PID 1 (see the Dockerfile)."""

import os
import signal
import sys


def main() -> int:
    password = os.environ["DB_PASSWORD"]
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
