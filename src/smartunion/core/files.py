"""Owner-only files: var/, the embedded database, uploads, backups and the log file hold personal data or keys.

Used by settings.py at start-up (so it imports nothing from Django). A path that belongs to another user, or a
shared sticky directory such as /tmp, is left as it is: its permissions are the operator's decision.
"""

from __future__ import annotations

import logging.handlers
import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def _tighten(path: Path, mode: int) -> None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_uid != os.geteuid() or info.st_mode & stat.S_ISVTX:
        return
    if stat.S_IMODE(info.st_mode) != mode:
        os.chmod(path, mode)


def private_dir(path: str | Path) -> Path:
    """Create the directory (and its parents) if missing; make it readable by the owner only."""
    path = Path(path)
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, DIR_MODE)
    return path


def private_file(path: str | Path, *, create: bool = True) -> Path:
    """Make the file readable by the owner only, creating it empty first when `create`."""
    path = Path(path)
    if create and not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE))
    _tighten(path, FILE_MODE)
    return path


def private_sqlite(path: str | Path) -> None:
    """The embedded database and its -wal/-shm files. SQLite gives those two the database file's own mode, so an
    empty database file created 0600 before SQLite opens it is enough for new ones."""
    path = Path(path)
    private_dir(path.parent)
    private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        private_file(path.with_name(path.name + suffix), create=False)


class PrivateFileHandler(logging.handlers.WatchedFileHandler):
    """The LOG_FILE handler: the file is created 0600 (logs name accounts and addresses), and reopened when
    logrotate moves it away."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        _tighten(Path(self.baseFilename), FILE_MODE)
        return os.fdopen(fd, self.mode.replace("w", "a"), encoding=self.encoding, errors=self.errors)
