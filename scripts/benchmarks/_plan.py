"""What a run measures: the sizes and repeats of a full run and of ``--quick``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    quick: bool
    resolve_ns: tuple[int, ...]
    key_sizes: tuple[int, ...]
    load_key_sizes: tuple[int, ...]
    cores_n: int
    config_sizes: tuple[int, ...]
    rotate_secrets: int
    rotate_files: int
    peer_ns: tuple[int, ...]
    big_secrets: int
    big_mb: float
    small_mb: float

    def reps(self, full: int) -> int:
        return 1 if self.quick else full

    def describe(self) -> str:
        return "quick (small sizes, 1 repeat)" if self.quick else "full"


FULL = Plan(
    quick=False,
    resolve_ns=(50, 2000),
    key_sizes=(2048, 4096),
    load_key_sizes=(2048, 4096),
    cores_n=600,
    config_sizes=(500, 2000, 8000),
    rotate_secrets=2000,
    rotate_files=20,
    peer_ns=(50, 2000),
    big_secrets=100_000,
    big_mb=50,
    small_mb=5,
)
QUICK = Plan(
    quick=True,
    resolve_ns=(50, 200),
    key_sizes=(2048, 4096),
    load_key_sizes=(2048,),
    cores_n=200,
    config_sizes=(50, 200, 800),
    rotate_secrets=200,
    rotate_files=20,
    peer_ns=(50,),
    big_secrets=4000,
    big_mb=2,
    small_mb=0.2,
)
