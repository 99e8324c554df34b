"""Sensitive keys and alias names."""

from __future__ import annotations

import pytest

from vault.sensitive import SensitiveKeys, make_alias


class _NoIteration(set[str]):
    """A set that refuses to be copied: make_alias must only ask membership."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        raise AssertionError("make_alias copied the taken set (quadratic over many secrets)")


def test_make_alias_asks_membership_only() -> None:
    taken = _NoIteration({"db_password", "db_password_2"})
    assert make_alias(("db", "password"), taken) == "db_password_3"


@pytest.mark.parametrize(
    ("path", "dots", "alias"),
    [
        (("database", "shared_db", "password"), True, "database_shared_db_password"),
        (("clients", 0, "client-secret"), True, "clients_0_client-secret"),
        (("db.password",), True, "db.password"),
        (("db.password",), False, "db_password"),  # TOML: a dot would make a nested table
        (("a b", "pässword"), True, "a_b_p_ssword"),
    ],
)
def test_alias_names(path: tuple[str | int, ...], dots: bool, alias: str) -> None:
    assert make_alias(path, set(), dots=dots) == alias


def test_sensitive_words_are_matched_at_the_end_of_the_last_key() -> None:
    sensitive = SensitiveKeys(())
    assert sensitive(("db", "password"))
    assert sensitive(("api", "clientSecret"))
    assert not sensitive(("password_policy", "min_length"))
