"""Which values of a config are plaintext secrets, and the alias ``protect`` gives each.

Every rule lives here; ``protect`` takes what :meth:`SensitiveKeys.plaintext` finds and
``check`` reports the same, so a protected file always checks clean.

Key names: the last key of a value's path is split into words (case, ``_ - . @`` and
camelCase: ``dbPassword``, ``DB_PASSWORD``, ``db-password`` are all ``db password``),
trailing numbers dropped (``password6``, ``DB_PASS_0``). It is sensitive when its last
words are one of :data:`TERMS`, or when its one word ends with a :data:`FUSED` term
(``adminpassword``, ``APIKEY``). ``existingSecret`` (a Helm chart naming a Kubernetes
Secret) is not. ``--key REGEX`` adds patterns searched in the dotted key path.

A value is taken when its key is sensitive, unless it is empty, a word such as
``null``/``False``/``none`` (:data:`NOT_SECRETS`), a file path under a key, token,
credential or secret key (``GOOGLE_APPLICATION_CREDENTIALS=/run/creds.json``), or holds
a reference, a placeholder or another tool's ciphertext (:func:`is_reference`). Numbers
are taken under password keys only. Parts of a value are taken in place, under any key:

* the password of a URL's userinfo (``postgresql://app:PASS@db/app``);
* ``Password=`` / ``Pwd=`` / ``AccountKey=`` / ``SharedAccessKey=`` of a connection string
  (``Server=db;User Id=sa;Password=PASS;``, ``?user=app&password=PASS``);
* under a sensitive key, the default of a placeholder (``${DB_PASSWORD:PASS}``);
* ``NAME=value`` items of a list (Compose ``environment``, ``args``) and ``-Dname=value``,
  ``--name=value`` options inside a string (``JAVA_OPTS``), when NAME is sensitive.

A ``name``/``key`` beside a ``value`` names it: Kubernetes ``env`` entries
(``{name: DB_PASSWORD, value: ...}``), XML ``<Property name="Password">...</Property>``
and ``<add key="ApiKey" value="..."/>``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass

from vault.configs.formats import Document, KeyPath, Scalar
from vault.errors import UsageError

PASSWORD_TERMS = ("password", "passwd", "pwd", "pw", "pass", "passphrase")
"""Password keys: numbers under them are secrets too (``password: 123456``)."""

TERMS = (
    *PASSWORD_TERMS,
    "secret",
    "token",
    "credential",
    "credentials",
    "auth",
    "salt",
    "api key",
    "app key",
    "auth key",
    "secret key",
    "secret key base",
    "secret access key",
    "private key",
    "signing key",
    "sign key",
    "encryption key",
    "master key",
    "hmac key",
    "jwt key",
    "account key",
    "shared access key",
    "logged in key",
    "nonce key",
)
"""The last words of a sensitive key (``client secret`` and ``access key secret`` end
with ``secret``, ``access token`` with ``token``)."""

FUSED = (
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "credentials",
    "apikey",
    "appkey",
    "secretkey",
    "privatekey",
)
"""Endings of a one-word key written in one case (``adminpassword``, ``APIKEY``); no
English word ends with them (``pass`` and ``auth`` are left out: ``bypass``, ``oauth``)."""

NOT_SECRETS = frozenset(
    "true false yes no on off null none nil ~ enabled disabled required optional".split()
)
"""Values that say a setting is unset or switched, not a secret (``REDIS_PASSWORD=null``,
``db_password = False`` in an INI)."""

AUTH_METHODS = frozenset(
    "basic digest bearer ntlm negotiate kerberos gssapi sasl ldap md5 scram-sha-1 "
    "scram-sha-256 trust peer ident cert tls x509 password plain login cram-md5 oauth "
    "oauth2 simple token jwt container application".split()
)
"""Under ``auth`` alone, a method's name is no secret (``auth: scram-sha-256``, Tomcat's
``auth="Container"``)."""

_SPLIT = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
_NUMBER = re.compile(
    r"[-+]?(?:0[xob][0-9A-Fa-f_]+|(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?)"
)
_PATH = re.compile(r"(?:/|\./|\.\./|~/|file:|classpath:|[A-Za-z]:\\)[\w./\\~:-]*")

# -- references, placeholders and other tools' ciphertexts -----------------------------

# Every check below is linear in the value's length: a config's writer chooses its values.
_MARKERS = (
    "$secret{",  # this tool's references
    "$env{",
    "$ref{",  # WSO2 deployment.toml
    "$ANSIBLE_VAULT;",  # Ansible Vault
    "{cipher}",  # Spring Cloud Config
    "@Microsoft.KeyVault(",  # Azure App Service Key Vault references
)
_PAIRS = (
    ("${{", "}}"),  # GitHub Actions ${{ secrets.X }}
    ("{{", "}}"),  # Helm, Jinja, Go templates, Mustache
    ("{%", "%}"),
    ("<%", "%>"),  # ERB (Rails database.yml)
    ("ENC(", ")"),  # Jasypt
    ("ENC[", "]"),  # SOPS
)
_REFERENCES = re.compile(
    r"\#\{[^{}#]*\}"  # Spring SpEL, Ruby, Octopus
    r"|\$\([A-Za-z_][A-Za-z0-9_]*\)"  # Kubernetes and Azure Pipelines $(VAR)
    r"|%\([^()%]*\)[sdr]"  # configparser %(name)s
)
_WHOLE_REFERENCE = re.compile(r"\$[A-Z_][A-Z0-9_]*|@[A-Za-z0-9_.-]+@|\{[A-Za-z0-9+/]{8,}=*\}")
"""Whole values only: ``$DB_PASSWORD`` (Compose, shells), ``@db.password@`` (Maven
resource filtering), ``{COQLCE6DU6GtcS5P=}`` (a Maven settings.xml encrypted password)."""
_LOOKUPS = frozenset({"env", "sys", "file", "vault", "secret", "secrets", "ssm", "sm"})
"""``${env:NAME}`` and friends: Log4j, Quarkus and Commons Text lookups, never a default."""


@dataclass(frozen=True)
class _Placeholder:
    start: int
    end: int
    default: tuple[int, int] | None
    """The span of a ``${NAME:default}`` default inside the value, when it has one."""


def _placeholders(value: str) -> list[_Placeholder]:
    """Every ``${...}`` of ``value`` (braces balanced); ``${{`` is a GitHub expression."""
    found = []
    position = value.find("${")
    while position != -1:
        if value.startswith("${{", position):
            position = value.find("${", position + 3)
            continue
        depth, index = 0, position + 1
        while index < len(value):
            if value[index] == "{":
                depth += 1
            elif value[index] == "}":
                depth -= 1
                if depth == 0:
                    break
            index += 1
        if index >= len(value):
            break  # unclosed: no placeholder
        found.append(_Placeholder(position, index + 1, _default(value, position + 2, index)))
        position = value.find("${", index + 1)
    return found


def _default(value: str, start: int, end: int) -> tuple[int, int] | None:
    inner = value[start:end]
    colon = inner.find(":")
    if colon <= 0 or inner[:colon].lower() in _LOOKUPS or "{" in inner[:colon]:
        return None
    rest = colon + 1
    if inner[rest : rest + 1] in ("-", "="):
        rest += 1
    elif inner[rest : rest + 1] == "?":
        return None  # ${NAME:?message}: an error message, no default
    return (start + rest, end) if rest < len(inner) else None


def is_reference(value: str) -> bool:
    """True when ``value`` holds no secret text of its own: it holds a reference, a
    placeholder or another tool's ciphertext (a placeholder's default is looked at by
    the caller)."""
    if _WHOLE_REFERENCE.fullmatch(value.strip()) or any(m in value for m in _MARKERS):
        return True
    for opening, closing in _PAIRS:
        start = value.find(opening)
        if start != -1 and value.find(closing, start + len(opening)) != -1:
            return True
    return _REFERENCES.search(value) is not None or bool(_placeholders(value))


# -- key names ---------------------------------------------------------------------------


def words(segment: str) -> list[str]:
    """A key name as lower-case words, trailing numbers dropped."""
    found = [w.lower() for w in _SPLIT.findall(segment)]
    while found and found[-1].isdigit():
        found.pop()
    return found


def _term(segment: str) -> str | None:
    """The term a key name ends with, or None."""
    found = words(segment)
    if not found:
        return None
    best = None
    for term in TERMS:
        parts = term.split()
        if found[-len(parts) :] == parts and (best is None or len(parts) > len(best.split())):
            best = term
    if best == "secret" and len(found) >= 2 and found[-2] == "existing":
        return None  # Helm's existingSecret names a Kubernetes Secret
    if best is None and len(found) == 1:
        best = next((t for t in FUSED if found[0].endswith(t)), None)
    return best


def dotted(path: KeyPath) -> str:
    return ".".join(str(part) for part in path)


@dataclass(frozen=True)
class Plaintext:
    """A plaintext secret inside ``scalar``: ``scalar.value[start:end]``."""

    scalar: Scalar
    start: int
    end: int
    path: KeyPath
    """The key path it is reported under and its alias is made from."""

    @property
    def whole(self) -> bool:
        return self.start == 0 and self.end == len(self.scalar.value)


class SensitiveKeys:
    """The detection rules of this module, plus the patterns of ``--key``."""

    def __init__(self, patterns: Sequence[str] = ()) -> None:
        try:
            self._patterns = [re.compile(p, re.IGNORECASE) for p in patterns]
        except re.error as exc:
            raise UsageError(f"--key: not a regular expression: {exc}") from None

    def term(self, path: KeyPath) -> str | None:
        """The term that makes ``path`` sensitive (``--key`` matches give "password")."""
        names = [part for part in path if isinstance(part, str)]
        if not names:
            return None
        found = _term(names[-1])
        if found is None and len(names) > 1 and words(names[-1]) == ["key"]:
            found = _term(f"{names[-2]}_key")  # Jwt: {Key: ...}, api.key=...
        if found is None and any(p.search(dotted(path)) for p in self._patterns):
            return "password"
        return found

    def __call__(self, path: KeyPath) -> bool:
        return self.term(path) is not None

    # -- values ----------------------------------------------------------------------

    def plaintext(self, document: Document, scalars: Iterable[Scalar]) -> list[Plaintext]:
        """Every plaintext secret of ``scalars`` (of ``document``), in text order."""
        scalars = list(scalars)
        names = _Names(document, scalars, self)
        found: list[Plaintext] = []
        for scalar in scalars:
            path = names.path_of(scalar)
            whole = self._whole(scalar, path)
            if whole is not None:
                found.append(whole)
            elif scalar.is_string and scalar.value:
                found.extend(self._parts(scalar, path))
        return found

    def _whole(self, scalar: Scalar, path: KeyPath) -> Plaintext | None:
        term = self.term(path)
        if term is None:
            return None
        value = scalar.value
        if not scalar.is_string:
            # Numbers under password keys; booleans, null, dates and tagged values
            # (``!secret x``, whose source text starts with the tag) are not.
            if term in PASSWORD_TERMS and _NUMBER.fullmatch(value):
                return Plaintext(scalar, 0, len(value), path)
            return None
        if not _candidate(value, term, path):
            return None
        return Plaintext(scalar, 0, len(value), path)

    def _parts(self, scalar: Scalar, path: KeyPath) -> list[Plaintext]:
        value = scalar.value
        found: list[Plaintext] = []
        term = self.term(path)
        if term is not None:
            for placeholder in _placeholders(value):
                if placeholder.default is not None:
                    start, end = placeholder.default
                    if _candidate(value[start:end], term, path):
                        found.append(Plaintext(scalar, start, end, path))
        for start, end in _url_passwords(value):
            found.append(Plaintext(scalar, start, end, (*path, "password")))
        for start, end in _connection_passwords(value):
            found.append(Plaintext(scalar, start, end, (*path, "password")))
        for name, start, end in _assignments(value, isinstance(scalar.path[-1], int)):
            named = (*path[:-1], name) if isinstance(path[-1], int) else (*path, name)
            name_term = self.term(named)
            if name_term is not None and _candidate(value[start:end], name_term, named):
                found.append(Plaintext(scalar, start, end, named))
        return _without_overlaps(found)


def _candidate(value: str, term: str, path: KeyPath) -> bool:
    """Whether a string under a key ending with ``term`` is a secret of its own."""
    stripped = value.strip()
    if not stripped or stripped.lower() in NOT_SECRETS or is_reference(value):
        return False
    if term == "auth" and stripped.lower() in AUTH_METHODS:
        return False
    if _PATH.fullmatch(stripped):
        # A file path is no secret under key, token or credential names
        # (GOOGLE_APPLICATION_CREDENTIALS=/run/creds.json), nor under the shell's PWD.
        if term not in PASSWORD_TERMS or words(str(path[-1])) == ["pwd"]:
            return False
    return True


def _without_overlaps(found: list[Plaintext]) -> list[Plaintext]:
    found.sort(key=lambda p: (p.start, -p.end))
    kept: list[Plaintext] = []
    for item in found:
        if not kept or item.start >= kept[-1].end:
            kept.append(item)
    return kept


# -- parts of a value ------------------------------------------------------------------

_NETLOC = re.compile(r"[^/?#\s\"'<>]*")


def _url_passwords(value: str) -> list[tuple[int, int]]:
    """Spans of the password of each URL's userinfo, as urllib splits it: the netloc up
    to the first ``/?#``, the userinfo up to its last ``@``, the password after its first
    ``:``."""
    spans = []
    position = value.find("://")
    while position != -1:
        netloc = _NETLOC.match(value, position + 3)
        assert netloc is not None
        at = value.rfind("@", netloc.start(), netloc.end())
        colon = value.find(":", netloc.start(), at) if at != -1 else -1
        if colon != -1:
            start, end = colon + 1, at
            if start < end and not is_reference(value[start:end]):
                spans.append((start, end))
        position = value.find("://", max(netloc.end(), position + 3))
    return spans


_CONNECTION_KEY = re.compile(
    r"(?:^|(?<=[;?&,\s]))(password|pwd|passwd|accountkey|sharedaccesskey)[ \t]*=[ \t]*",
    re.IGNORECASE,
)
_PAIR = re.compile(r"[A-Za-z0-9_]=")


def _connection_passwords(value: str) -> list[tuple[int, int]]:
    """Spans of ``Password=`` (and ``Pwd=``, ``AccountKey=``...) values of a connection
    string: ADO.NET/ODBC (``;``), URL queries (``?``/``&``), libpq (spaces). The value
    must hold another ``key=`` pair: a lone ``password=x`` is no connection string."""
    spans: list[tuple[int, int]] = []
    if len(_PAIR.findall(value)) < 2:
        return spans
    for match in _CONNECTION_KEY.finditer(value):
        start = match.end()
        before = value[match.start() - 1] if match.start() else ";"
        if start < len(value) and value[start] in "\"'{":
            close = "}" if value[start] == "{" else value[start]
            end = value.find(close, start + 1)
            if end == -1:
                continue
            start, end = start + 1, end
        else:
            if before in "?&":
                stops = "&#;"
            elif before == ",":
                stops = ",;"  # StackExchange.Redis: host:6380,password=x,ssl=True
            elif ";" in value:
                stops = ";"
            else:
                stops = " \t\r\n"
            end = start
            while end < len(value) and value[end] not in stops:
                end += 1
            while end > start and value[end - 1] in " \t":
                end -= 1
        part = value[start:end]
        if start < end and not is_reference(part) and part.lower() not in NOT_SECRETS:
            spans.append((start, end))
    return spans


_ITEM = re.compile(r"(?:--?)?([A-Za-z_][A-Za-z0-9_.-]*)=(.*)", re.DOTALL)
_OPTION = re.compile(r"(?:^|(?<=\s))(?:-D|--)([A-Za-z_][A-Za-z0-9_.-]*)=(\"[^\"]*\"|'[^']*'|\S*)")


def _assignments(value: str, item: bool) -> list[tuple[str, int, int]]:
    """``NAME=value`` as a whole list item; ``-Dname=value`` / ``--name=value`` options
    inside any string. The name's last dotted part is its key name."""
    found = []
    if item:
        match = _ITEM.fullmatch(value)
        if match is not None and match.group(2):
            found.append((match.group(1), match.start(2), match.end(2)))
            return found
    for match in _OPTION.finditer(value):
        start, end = match.span(2)
        if end - start >= 2 and value[start] in "\"'" and value[end - 1] == value[start]:
            start, end = start + 1, end - 1
        if start < end:
            found.append((match.group(1).rsplit(".", 1)[-1], start, end))
    return found


# -- names beside values -----------------------------------------------------------------

_VALUE_KEYS = ("value", "Value")
_NAME_KEYS = ("name", "Name", "key", "Key")


class _Names:
    """The key path a value is known by: its own, or the sensitive name beside it
    (``{name: DB_PASSWORD, value: x}``, ``<Property name="Password">x</Property>``,
    ``<add key="ApiKey" value="x"/>``)."""

    def __init__(
        self, document: Document, scalars: Sequence[Scalar], sensitive: SensitiveKeys
    ) -> None:
        self._xml = document.format_name == "xml"
        self._text = document.text
        self._sensitive = sensitive
        self._prefix = "@" if self._xml else ""
        names = {self._prefix + key for key in _NAME_KEYS}
        self._by_path: dict[KeyPath, tuple[list[int], list[Scalar]]] = {}
        for scalar in scalars:
            if scalar.path and scalar.path[-1] in names:
                starts, found = self._by_path.setdefault(scalar.path, ([], []))
                starts.append(scalar.start)
                found.append(scalar)

    def path_of(self, scalar: Scalar) -> KeyPath:
        path = scalar.path
        if not self._by_path or not path or not isinstance(path[-1], str):
            return path
        last = path[-1]
        if self._xml and not last.startswith("@"):
            owner = path  # an element's text, named by its own name attribute
        elif last in {self._prefix + key for key in _VALUE_KEYS}:
            owner = path[:-1]
        else:
            return path
        for key in _NAME_KEYS:
            name = self._beside(scalar, (*owner, self._prefix + key))
            if name is None:
                continue
            base = owner[:-1] if owner and isinstance(owner[-1], int) else owner
            named = (*base, name)
            if self._sensitive(named):
                return named
        return path

    def _beside(self, scalar: Scalar, path: KeyPath) -> str | None:
        entry = self._by_path.get(path)
        if entry is None:
            return None
        starts, candidates = entry
        if not self._xml:
            return candidates[-1].value  # a mapping's key is unique
        # XML repeats paths: the name attribute of the same element is the nearest one
        # with no tag boundary between it and the value.
        index = bisect_left(starts, scalar.start)
        for near in (index - 1, index):
            if 0 <= near < len(candidates):
                other = candidates[near]
                if other.start < scalar.start:
                    between = self._text[other.end : scalar.start]
                else:
                    between = self._text[scalar.end : other.start]
                attribute = str(scalar.path[-1]).startswith("@")
                if "<" not in between and not (attribute and ">" in between):
                    return other.value
        return None


def make_alias(path: KeyPath, taken: Container[str], *, dots: bool = True) -> str:
    """The key path joined with ``_``; other characters become ``_``; a clash gets ``_2``...

    With ``dots=False`` (TOML) a dot becomes ``_`` too: a dotted key there
    would be a nested table.
    """
    base = _UNSAFE.sub("_", "_".join(str(part) for part in path)) or "secret"
    if not dots:
        base = base.replace(".", "_")
    alias, n = base, 1
    while alias in taken:  # a set: a config of 100,000 secrets stays linear
        n += 1
        alias = f"{base}_{n}"
    return alias
