"""Atomic rewrites, per-file locks, and the rotation journal.

Every rewrite is a temp file in the same directory (mode 0600 while it is
written), given the original's owner, group and mode, fsync, rename over the
original, fsync of the directory. An interrupted run leaves the old file or the
new one, and at worst a ``.NAME.*.tmp`` file that never holds more than the new
content would.

Whoever can write a config's folder (a shared or sticky deploy folder) can plant
anything beside it. Nothing there is trusted for being there: a lock is a file
this tool creates itself (0600, owned by the runner); a leftover of a rotation
is settled only when a journal owned by the runner names it as a bare name of
the journal's own folder and its inode is the one the journal recorded. Every
such name is looked up through the folder's descriptor without following links.
Anything else is left alone and named in a warning, never renamed or deleted.
"""

from __future__ import annotations

from vault.atomic._folder import failpoint as failpoint
from vault.atomic._journal_file import JOURNAL_PREFIX as JOURNAL_PREFIX
from vault.atomic._journal_file import JOURNAL_SUFFIX as JOURNAL_SUFFIX
from vault.atomic._journal_file import read_journal as read_journal
from vault.atomic.journal import clean_leftovers as clean_leftovers
from vault.atomic.journal import recover as recover
from vault.atomic.journal import replace_all as replace_all
from vault.atomic.lock import LOCK_SUFFIX as LOCK_SUFFIX
from vault.atomic.lock import lock_path as lock_path
from vault.atomic.lock import locked as locked
from vault.atomic.rewrite import create as create
from vault.atomic.rewrite import replace as replace
