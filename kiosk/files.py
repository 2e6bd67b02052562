"""Files the app writes (the database, its secret key, backups): private to the account that runs it
from the moment they exist, and narrowed, with a warning, when found open to others."""
import os
import stat
from pathlib import Path

PRIVATE_FOLDER, PRIVATE_FILE = 0o700, 0o600


def private_opener(path, flags):
    """For open(): a new file is 0600 from its first moment. Mode "x" never opens (then closes) an
    existing file, which would drop this process's SQLite locks on it."""
    return os.open(path, flags, PRIVATE_FILE)


def private_folder(path):
    """Make a folder, and any missing above it, that only this account can open."""
    path = Path(path)
    if not path.is_dir():
        private_folder(path.parent)
        path.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)


def narrow(path, mode, logger):
    """Take away what other accounts may do with a file or folder found wider than `mode`, and say so.

    A folder shared on purpose (the sticky bit, as /tmp) or another account's file is only reported.
    """
    try:
        found = os.stat(path)
        bits = stat.S_IMODE(found.st_mode)
        if not bits & 0o777 & ~mode:
            return
        if found.st_mode & stat.S_ISVTX or found.st_uid != os.geteuid():
            logger.warning("%s is open to other accounts (%o) but shared or another account's: left as it is.",
                           path, bits)
            return
        os.chmod(path, mode)
    except FileNotFoundError:
        return  # not there, or gone meanwhile (a -wal its last connection deleted)
    logger.warning("%s was open to other accounts (%o): narrowed to %o.", path, bits, mode)
