"""The embedded PostgreSQL server (pgserver wheel) used when no database URL is configured.

The server runs from `<home>/pgdata` and outlives the command that started it, so later
commands reuse it instead of paying start-up again. A file lock serialises start-up so two
commands started together never launch two postmasters on one data directory.

Reachable by the running user only: the server listens on no TCP address, only on a Unix
socket in a private folder — the data directory itself (mode 0700, made by initdb) when the
socket path fits the ~107-byte limit, else a short `<tmp>/newscorpus-<uid>-<hash>` folder
created 0700 and owned by the server's user (pgserver's own fallback was a 0777 folder under
/tmp/runtime-<uid> when run as root, with `trust` authentication: any local user became
superuser). Other users cannot reach the socket, so `trust` never applies to them. No parent
folder's mode is ever changed: pgserver loosens every parent of the data directory (0700 →
0755) when started by root. Instead, when root starts a new server whose data path has a parent
pgserver's system user cannot enter (a 0700 home or temp folder), the data directory is made in
a folder of that user's own (0700) under `/var/lib/newscorpus/` — or beside the path in the
system temp folder when the path itself is temporary — and `<home>/pgdata` becomes a symlink to
it. The same relocation, for any user (to ~/.local/share/newscorpus/ when not root), applies to a
data path pg_ctl cannot hand to postgres (a space or shell character: `~/My Projects/`). An
existing data directory is never moved; `delete_relocated` removes a relocated one (`make clean`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

from pipeline import paths
from pipeline.errors import DatabaseUnavailable

log = logging.getLogger(__name__)
START_TIMEOUT_S = 120


def pgdata_dir() -> Path:
    return paths.home() / "pgdata"


def _lock() -> FileLock:
    return FileLock(str(paths.home() / "pgserver.lock"), timeout=START_TIMEOUT_S)


def start(pgdata: Path | None = None) -> str:
    """Start the server if it is not running and return its libpq URL."""
    pgserver = _import_pgserver()
    pgdata = pgdata or pgdata_dir()
    try:
        with _lock(), _private_paths():
            _relocate_if_unreachable(pgdata)
            server = pgserver.get_server(pgdata, cleanup_mode=None)
            return server.get_uri()
    except (subprocess.SubprocessError, OSError, AssertionError) as exc:
        log_file = pgdata / "log"
        raise DatabaseUnavailable(
            f"cannot start the embedded PostgreSQL in {pgdata} ({exc}); see {log_file}"
        ) from exc


class _PrivatePath(type(Path())):  # type: ignore[misc] - the concrete Path class
    """A socket folder pgserver may not open up: chmod calls that would give group or others
    any access (its `socket_dir.chmod(0o777)` as root) are ignored."""

    def chmod(self, mode: int, *, follow_symlinks: bool = True) -> None:
        if mode & 0o077:
            return
        super().chmod(mode, follow_symlinks=follow_symlinks)


def _server_uid() -> int:
    """The uid the postmaster runs as: pgserver uses the system user 'pgserver' under root."""
    if os.geteuid() != 0:
        return os.geteuid()
    import pwd

    try:
        return pwd.getpwnam("pgserver").pw_uid
    except KeyError:
        return 0  # pgserver creates it before it needs the folder; checked again then


def socket_dir(pgdata: Path) -> Path:
    """The private folder for the server's socket (see the module docstring); refuses (OSError)
    a folder that exists but is a symlink, owned by someone else or open to others."""
    from pgserver.utils import socket_name_length_ok

    uid = _server_uid()
    if socket_name_length_ok(pgdata / ".s.PGSQL.5432"):
        info = pgdata.stat()
        if info.st_mode & 0o077 and info.st_uid in (uid, os.geteuid()):
            pgdata.chmod(0o700)  # the data directory itself, never a parent
        return _PrivatePath(pgdata)
    digest = hashlib.sha256(f"{pgdata.resolve()}-{pgdata.stat().st_ino}".encode()).hexdigest()[:10]
    folder = Path(tempfile.gettempdir()) / f"newscorpus-{os.geteuid()}-{digest}"
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    info = folder.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise OSError(f"{folder} is not a plain folder; refusing to put the database socket there")
    if info.st_uid not in (uid, os.geteuid()):
        raise OSError(f"{folder} belongs to another user (uid {info.st_uid}); refusing to put the database socket there")
    if info.st_uid != uid:
        os.chown(folder, uid, -1)
    folder.chmod(0o700)
    return _PrivatePath(folder)


ROOT_DATA_DIR = Path("/var/lib/newscorpus")  # where root's relocated data directories live


def _relocate_if_unreachable(pgdata: Path) -> None:
    """A new data directory the server could not run from is made in a private folder (owned by
    the server's user, 0700), with a symlink at `pgdata` (module docstring); pgserver resolves
    the symlink, so the server only ever sees the private folder's path. Two reasons:

    - as root, a parent of `pgdata` that pgserver's system user cannot enter (a 0700 home);
    - for anyone, a path pg_ctl cannot pass on (`_unpassable`: a space, a quote, …).
    """
    if pgdata.exists() or pgdata.is_symlink():
        return  # an existing data directory is never moved
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    uid = _relocation_uid()
    reason = _unpassable(pgdata.parent.resolve() / pgdata.name)
    if reason is None and os.geteuid() == 0:
        try:
            _check_traversable(pgdata, uid)
            return
        except OSError as exc:
            reason = "its parents are closed to the server's user"
            log.debug("%s", exc)
    if reason is None:
        return
    private = _relocation_folder(pgdata)
    if _unpassable(private) is not None:
        raise OSError(f"the data directory's path {pgdata} {reason}, and so does {private}, where it would be "
                      "relocated: set NEWSCORPUS_HOME to a path of letters, digits and - _ . / only")
    private.parent.mkdir(mode=0o711 if private.parent == ROOT_DATA_DIR else 0o700, parents=True, exist_ok=True)
    private.mkdir(mode=0o700, exist_ok=True)
    info = private.lstat()
    if stat.S_ISLNK(info.st_mode) or info.st_uid not in (0, uid):
        raise OSError(f"{private} is not a private folder of ours; refusing to keep the database there")
    os.chown(private, uid, -1)
    private.chmod(0o700)
    (private / "pgdata").mkdir(mode=0o700, exist_ok=True)
    os.chown(private / "pgdata", uid, -1)
    pgdata.symlink_to(private / "pgdata", target_is_directory=True)
    log.info("the embedded server's data directory %s lives in %s (%s)", pgdata, private / "pgdata", reason)


def _relocation_uid() -> int:
    """Who owns a relocated data directory: pgserver's system user under root, else the user."""
    if os.geteuid() != 0:
        return os.geteuid()
    from pgserver.utils import ensure_user_exists

    return ensure_user_exists("pgserver").pw_uid


# pg_ctl starts postgres through the shell: `exec "postgres" -D "<data>" <-o options> …`
# (PostgreSQL src/bin/pg_ctl/pg_ctl.c, start_postmaster), and pgserver passes the socket folder,
# which is the data directory itself, unquoted in `-o "-k <folder>"`: a space splits it
# ("postgres: invalid argument"), and a quote, $, ` or \ is read by the shell even inside the
# data directory's quotes. Any such character sends the data directory to a private folder.
_SHELL_SPECIAL = re.compile(r"""[\s"'`$\\!&|;<>()*?\[\]{}#~^]""")


def _unpassable(path: Path) -> str | None:
    """Why pg_ctl cannot pass `path` to postgres (a reason for messages), or None when it can."""
    bad = _SHELL_SPECIAL.search(str(path))
    return None if bad is None else f"holds {bad.group()!r}, which pg_ctl cannot pass to postgres"


def _relocation_folder(pgdata: Path) -> Path:
    """The one private folder a relocated `pgdata` lives in (its data directory is `…/pgdata`):
    named by a hash of `pgdata`'s resolved path; under the system temp folder when that path is
    temporary, else ROOT_DATA_DIR for root and ~/.local/share/newscorpus for another user (not
    $XDG_DATA_HOME: `make clean` runs with a clean environment and must find the same folder)."""
    resolved = pgdata.parent.resolve() / pgdata.name
    temp = Path(tempfile.gettempdir()).resolve()
    if resolved.is_relative_to(temp):
        base = temp
    elif os.geteuid() == 0:
        base = ROOT_DATA_DIR
    else:
        base = Path.home() / ".local" / "share" / "newscorpus"
    return base / f"newscorpus-data-{hashlib.sha256(str(resolved).encode()).hexdigest()[:16]}"


def relocated_folder(pgdata: Path | None = None) -> Path | None:
    """The private folder `_relocate_if_unreachable` made for `pgdata` (default: this data
    folder's), when `pgdata` is a symlink to exactly its data directory; else None.

    Only that folder: the symlink's target must be `_relocation_folder(pgdata)/pgdata` (named by
    the hash of this very path, in the place relocation uses for it) and a plain folder
    owned by root or the server's user, so a symlink pointing anywhere else — edited by hand,
    or left by a checkout that has since moved — never leads to deleting what it points to.
    """
    pgdata = pgdata or paths.home_path() / "pgdata"
    if not pgdata.is_symlink():
        return None
    private = _relocation_folder(pgdata)
    target = Path(os.readlink(pgdata))
    if target != private / "pgdata":
        return None
    try:
        info = private.lstat()
    except OSError:
        return None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode) or info.st_uid not in (0, _server_uid()):
        return None
    return private


def delete_relocated(pgdata: Path | None = None) -> Path | None:
    """Delete the relocated data directory of `pgdata` (see `relocated_folder`) and the symlink
    to it; the server must be stopped first. Returns the folder deleted, or None when `pgdata`
    was not relocated (its data lives in the data folder, deleted with it).

    `make clean` (through `newscorpus db stop --delete-relocated`) deleted the data folder and so
    only the symlink: the database kept its disk, and the next start in that folder reused it.
    """
    import shutil

    pgdata = pgdata or paths.home_path() / "pgdata"
    private = relocated_folder(pgdata)
    if private is None:
        return None
    shutil.rmtree(private)
    pgdata.unlink()
    return private


def _check_traversable(path: Path, uid: int) -> None:
    """Raise OSError naming the first parent of `path` that user `uid` cannot enter."""
    import pwd

    try:
        user = pwd.getpwuid(uid)
        groups = {user.pw_gid, *(g.gr_gid for g in __import__("grp").getgrall() if user.pw_name in g.gr_mem)}
    except KeyError:
        groups = set()
    for folder in [*reversed(Path(path).resolve().parents)]:
        info = folder.stat()
        if info.st_uid == uid:
            ok = info.st_mode & stat.S_IXUSR
        elif info.st_gid in groups:
            ok = info.st_mode & stat.S_IXGRP
        else:
            ok = info.st_mode & stat.S_IXOTH
        if not ok and uid != 0:
            raise OSError(
                f"the server's system user (uid {uid}) cannot enter {folder} (mode {info.st_mode & 0o777:04o}); "
                f"folder modes are never loosened: set NEWSCORPUS_HOME under a folder it can enter, "
                f"or run newscorpus as a normal user")


@contextmanager
def _private_paths() -> Iterator[None]:
    """While pgserver starts the server: our socket folder, and parents checked, not chmodded."""
    from pgserver import postgres_server
    from pgserver._commands import POSTGRES_BIN_PATH

    install = POSTGRES_BIN_PATH.parent.resolve()
    original_find = postgres_server.find_suitable_socket_dir
    original_prefix = getattr(postgres_server, "ensure_prefix_permissions", None)

    def prefix_permissions(path: Path) -> None:
        if Path(path).resolve().is_relative_to(install) and original_prefix is not None:
            original_prefix(path)  # pgserver's own binaries, inside the virtualenv
        else:
            _check_traversable(path, _server_uid())

    postgres_server.find_suitable_socket_dir = lambda pgdata, runtime_path: socket_dir(Path(pgdata))
    if original_prefix is not None:
        postgres_server.ensure_prefix_permissions = prefix_permissions
    try:
        yield
    finally:
        postgres_server.find_suitable_socket_dir = original_find
        if original_prefix is not None:
            postgres_server.ensure_prefix_permissions = original_prefix


def _import_pgserver():  # noqa: ANN202 - the module
    """Import pgserver lazily, quieting platformdirs' warning about a missing XDG_RUNTIME_DIR."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    return pgserver


def is_running(pgdata: Path | None = None) -> bool:
    _import_pgserver()  # first import through the quiet path
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata or pgdata_dir())
    return info is not None and info.is_running()


def stop(pgdata: Path | None = None) -> bool:
    """Stop the server; returns False when it was not running.

    pg_ctl gets the resolved data directory: a relocated one (`<home>/pgdata` a symlink into
    `/var/lib/newscorpus/` or the temp folder, see `_relocate_if_unreachable`) sits behind a
    parent the server's system user cannot enter, so pg_ctl, run as that user, was refused the
    symlink's path ("could not access directory … Permission denied") and the server kept running.
    """
    _import_pgserver()  # first import through the quiet path
    from pgserver import postgres_server

    pgdata = (pgdata or pgdata_dir()).resolve()
    with _lock():
        if not (pgdata / "PG_VERSION").exists() or not is_running(pgdata):
            return False
        server = postgres_server.PostgresServer._instances.get(pgdata)
        user = server.system_user if server else _system_user()
        postgres_server.pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=user)
        return True


def _system_user() -> str | None:
    import os

    return "pgserver" if os.geteuid() == 0 else None


def psql_executable() -> str:
    from pgserver._commands import POSTGRES_BIN_PATH

    return str(Path(POSTGRES_BIN_PATH) / "psql")
