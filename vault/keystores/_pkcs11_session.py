"""The process's sessions with PKCS#11 tokens, and the one lock around the binding.

python-pkcs11 starts a module with ``C_Initialize(NULL)``, which tells the
module that the application will not call it from two threads at once; so
every call into any module goes through :data:`LOCK` (the token serialises
its operations anyway). One session per token per process, opened (and
logged in) on first use and kept until the process ends. The keys and the
keystore built on them are :mod:`.pkcs11`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from vault.errors import InputError, KeyTroubleError, PasswordError, UsageError
from vault.secret import Secret

if TYPE_CHECKING:
    from pkcs11 import Session, Token

    from vault.keystores._pkcs11_uri import Pkcs11Uri

LOCK = threading.RLock()
"""Held around every call into a PKCS#11 module in this process."""


def binding() -> Any:
    try:
        import pkcs11
    except ImportError:
        raise UsageError(
            "a pkcs11: keystore needs the PKCS#11 binding: pip install 'secure-vault[pkcs11]'"
        ) from None
    return pkcs11


class Held:
    """The process's session with one token, and the PIN it logged in with."""

    def __init__(self, token: Token, session: Session, pin: Secret | None) -> None:
        self.token = token
        self.session = session
        self.pin = pin
        self.label = token.label
        self.mechanisms = set(token.slot.get_mechanisms())
        self.oaep_refused: set[str] = set()


SESSIONS: dict[tuple[str, int, bytes], Held] = {}
OLD_SESSIONS: list[Held] = []  # kept open: keystores opened earlier still use them


# -- errors ------------------------------------------------------------------------


def bad_data_errors(p11: Any) -> tuple[type[Exception], ...]:
    e = p11.exceptions
    return (
        e.EncryptedDataInvalid,
        e.EncryptedDataLenRange,
        e.DataInvalid,
        e.DataLenRange,
        e.GeneralError,  # SoftHSM2's answer to a bad PKCS#1 block
        e.FunctionFailed,
    )


def refused_errors(p11: Any) -> tuple[type[Exception], ...]:
    e = p11.exceptions
    return (
        e.ArgumentsBad,
        e.MechanismInvalid,
        e.MechanismParamInvalid,
        e.FunctionNotSupported,
    )


def device_error(label: str, exc: BaseException, where: str | None) -> KeyTroubleError:
    """A token that failed (removed, unreachable, closed the session): one line, exit 3."""
    return KeyTroubleError(
        f"token '{label}' failed ({type(exc).__name__}): removed, unreachable or reset; "
        "nothing was written",
        path=where,
    )


@contextmanager
def calls(label: str, where: str | None) -> Iterator[Any]:
    """The binding, with the lock held; a PKCS#11 error that escapes is a device error."""
    p11 = binding()
    with LOCK:
        try:
            yield p11
        except p11.exceptions.PKCS11Error as exc:
            raise device_error(label, exc, where) from None


# -- finding the token -------------------------------------------------------------


def _library(p11: Any, module: str) -> Any:
    if not os.path.isfile(module):
        raise InputError("no such PKCS#11 module", path=module)
    try:
        return p11.lib(module)
    except p11.exceptions.PKCS11Error:
        raise InputError("cannot load it as a PKCS#11 module", path=module) from None


def _describe(uri: Pkcs11Uri) -> str:
    parts = [
        f"{name}={value}"
        for name, value in (
            ("token", uri.token),
            ("serial", uri.serial),
            ("slot-id", uri.slot_id),
            ("manufacturer", uri.manufacturer),
            ("model", uri.model),
        )
        if value is not None
    ]
    return ", ".join(parts) or "any"


def _find_token(p11: Any, lib: Any, uri: Pkcs11Uri) -> Token:
    found: list[Token] = []
    present: list[str] = []
    for slot in lib.get_slots(token_present=True):
        try:
            token = slot.get_token()
        except (p11.exceptions.TokenNotPresent, p11.exceptions.TokenNotRecognised):
            continue
        if not token.flags & p11.TokenFlag.TOKEN_INITIALIZED:
            continue
        present.append(token.label)
        serial = token.serial.decode("ascii", "replace").strip()
        if (
            (uri.token is None or token.label == uri.token)
            and (uri.serial is None or serial == uri.serial)
            and (uri.slot_id is None or slot.slot_id == uri.slot_id)
            and (uri.manufacturer is None or token.manufacturer_id == uri.manufacturer)
            and (uri.model is None or token.model == uri.model)
        ):
            found.append(token)
    if not found:
        known = ", ".join(repr(label) for label in present) or "none"
        raise KeyTroubleError(f"no token matches {_describe(uri)} (tokens present: {known})")
    if len(found) > 1:
        raise UsageError(
            f"{len(found)} tokens match {_describe(uri)}; add serial= or slot-id= to the URI"
        )
    return found[0]


def open_session(uri: Pkcs11Uri, module: str, pin: Secret | None, *, rw: bool = False) -> Held:
    """The process's session with the token, opened (and logged in) on first use."""
    p11 = binding()
    e = p11.exceptions
    with LOCK:
        lib = _library(p11, module)
        try:
            token = _find_token(p11, lib, uri)
        except e.PKCS11Error as exc:
            raise device_error(uri.token or "?", exc, uri.text) from None
        key = (os.path.realpath(module), token.slot.slot_id, token.serial)
        held = SESSIONS.get(key)
        if held is not None and (held.session.rw or not rw):
            if pin is None or (held.pin is not None and held.pin == pin):
                return held
            if held.pin is not None:
                raise PasswordError(
                    f"token '{token.label}': a different PIN from the one this process "
                    "logged in with"
                )
        try:
            if held is not None and held.pin is not None:
                session = token.open(rw=rw)  # the login holds for every session
            else:
                session = token.open(rw=rw, user_pin=pin.reveal() if pin is not None else None)
        except (e.PinIncorrect, e.PinLenRange, e.PinInvalid):
            raise PasswordError(f"token '{token.label}': wrong PIN", path=uri.text) from None
        except e.PinLocked:
            raise PasswordError(f"token '{token.label}': PIN locked", path=uri.text) from None
        except e.UserPinNotInitialized:
            raise PasswordError(f"token '{token.label}': no user PIN", path=uri.text) from None
        except e.PKCS11Error as exc:
            raise device_error(token.label, exc, uri.text) from None
        if held is not None:
            OLD_SESSIONS.append(held)
        fresh = Held(token, session, pin if pin is not None else held.pin if held else None)
        SESSIONS[key] = fresh
        return fresh
