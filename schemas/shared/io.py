"""Writing outputs so that nothing is lost and nothing is left behind; reading YAML files.

Every output (a bundle folder, a results folder, a findings file) is written to a temporary
sibling named `.NAME.partial-<pid>-<random>` and moved into place with a rename, under a lock
(`.NAME.lock`, fcntl.flock) so two emgen processes never write one output at once. Siblings
left by a process that died (kill -9, power loss) are swept by the next writer of that output;
the pid in the name tells a dead writer's leftovers from a live one's. Outputs follow the
user's umask, as files made with open() do, not tempfile's private 0700/0600.

`read_yaml` reads the YAML files every layer takes (the catalog, configs, question files), with
one sentence for a missing, unreadable or malformed file.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from emgen.schemas.errors import CatalogError, UserError

_STALE = re.compile(r"(partial|old)-(\d+)-.*")
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
_NO_LOCKS = (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL)


class OutputError(UserError):
    """The output cannot be written (one sentence for the user)."""


def current_umask() -> int:
    """The process umask, read without setting it (os.umask sets it, racing other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o022)  # no /proc (macOS): the only portable way is to set it back at once
    os.umask(old)
    return old


def refuse_overwrite(output: Path, *inputs: Path, option: str) -> None:
    """Refuse, before any work, a file output that is a folder or is one of the inputs.

    "Is" means the same file however it is named: the same resolved path, or (when both exist)
    the same inode, which also catches symbolic and hard links.
    """
    if output.is_dir():
        raise OutputError(f"{option} {output} is a folder; give the path of a file to write.")
    for source in inputs:
        if _same_file(output, source):
            raise OutputError(
                f"{option} {output} is the input {source}; writing it would destroy the input, "
                "so choose another path."
            )


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop in resolve()
        return False


@contextmanager
def atomic_dir(out: Path, is_output: Callable[[Path], bool], kind: str) -> Iterator[Path]:
    """Yield a temporary sibling folder; on success it replaces `out`, on failure it vanishes.

    An existing non-empty `out` is replaced only when `is_output(out)` proves it an earlier
    output of this kind (say, its manifest parses), so a mistyped --out never deletes a folder.
    """
    out = out.absolute()
    if out.is_symlink():
        raise OutputError(f"{out} is a symbolic link; choose another --out.")
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} exists and is not a folder.")
    _make_parent(out)
    with output_lock(out):
        sweep_stale(out)
        if out.is_dir() and any(out.iterdir()) and not is_output(out):
            raise OutputError(f"{out} is not empty and is not {kind}; choose another --out.")
        try:
            tmp = Path(tempfile.mkdtemp(prefix=_partial_prefix(out), dir=out.parent))
            os.chmod(tmp, 0o777 & ~current_umask())
        except OSError as exc:
            raise _cannot_write(out, exc) from None
        try:
            yield tmp
            _swap_in(tmp, out)
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            _raise_if_disk_full(exc, out, tmp)
            raise


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a temporary sibling path that replaces `path` on success and vanishes on failure.

    A `path` that exists and is no regular file or folder (/dev/null, a named pipe) is written
    in place: there is no file to lose.
    """
    path = path.absolute()
    if path.is_dir():
        raise OutputError(f"{path} is a folder, not a file.")
    if path.exists() and not stat.S_ISREG(path.stat().st_mode):
        yield path
        return
    _make_parent(path)
    with output_lock(path):
        sweep_stale(path)
        try:
            fd, name = tempfile.mkstemp(
                prefix=_partial_prefix(path), suffix=path.suffix, dir=path.parent
            )
            try:
                os.fchmod(fd, 0o666 & ~current_umask())
            finally:
                os.close(fd)
        except OSError as exc:
            raise _cannot_write(path, exc) from None
        tmp = Path(name)
        try:
            yield tmp
            os.replace(tmp, path)
        except BaseException as exc:
            tmp.unlink(missing_ok=True)
            _raise_if_disk_full(exc, path, tmp)
            raise


def sha256_file(path: Path) -> str:
    """The file's sha256, read in blocks (a bundle's parquet files run to tens of MB)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_text_atomic(path: Path, text: str) -> None:
    """`path.write_text(text)`, all or nothing."""
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold `.NAME.lock` beside `out`; refuse at once, naming the holder, when another has it."""
    lock = out.with_name(f".{out.name}.lock")
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise _cannot_write(out, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in _NO_LOCKS:
                break  # a file system without locks (some network ones): write unlocked
            if not isinstance(exc, BlockingIOError):
                os.close(fd)
                raise _cannot_write(out, exc) from None
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            pid = f" (pid {holder})" if holder.isdigit() else ""
            raise OutputError(
                f"{out} is being written by another emgen process{pid}; wait for it to finish "
                "or choose another output."
            ) from None
        # The holder we raced with may have removed the file before we locked it: lock the
        # file now at that path, or two processes would each hold a lock of their own.
        try:
            current = os.stat(lock)
        except FileNotFoundError:
            os.close(fd)
            continue
        mine = os.fstat(fd)
        if (mine.st_dev, mine.st_ino) == (current.st_dev, current.st_ino):
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        lock.unlink(missing_ok=True)  # while still held, so nobody locks a file that is gone
        os.close(fd)


def sweep_stale(out: Path) -> None:
    """Remove `.NAME.partial-*` and `.NAME.old-*` siblings of `out` left by dead processes.

    Called with the lock held. A process killed between the two renames of a replacement left
    `out` missing and the whole previous output as `.NAME.old-*`: that is put back.
    """
    prefix = f".{out.name}."
    try:
        entries = [e for e in out.parent.iterdir() if e.name.startswith(prefix)]
    except OSError:
        return
    olds: list[Path] = []
    for entry in entries:
        match = _STALE.fullmatch(entry.name[len(prefix) :])
        if match is None or _alive(int(match.group(2))):
            continue
        if match.group(1) == "old":
            olds.append(entry)
        else:
            _remove(entry)
    if olds and not os.path.lexists(out):
        newest = max(olds, key=lambda p: p.lstat().st_mtime)
        newest.rename(out)
        olds.remove(newest)
    for entry in olds:
        _remove(entry)


def _alive(pid: int) -> bool:
    """Whether `pid` may still be writing; our own pid counts as dead (the lock is ours)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # PermissionError: alive, another user's; else unsure
        return True
    try:  # a zombie writes nothing more
        state = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True
    return state.rsplit(")", 1)[-1].split()[:1] != ["Z"]


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)


def _partial_prefix(out: Path) -> str:
    return f".{out.name}.partial-{os.getpid()}-"


def _swap_in(tmp: Path, out: Path) -> None:
    """Move `tmp` to `out`; a previous `out` is set aside first and restored if that fails."""
    old = None
    if os.path.lexists(out):
        old = out.with_name(f".{out.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
        out.rename(old)
    try:
        tmp.rename(out)
    except BaseException:
        if old is not None:
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _make_parent(out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cannot_write(out, exc) from None


def _cannot_write(out: Path, exc: OSError) -> OutputError:
    if exc.errno in _DISK_FULL:
        return OutputError(f"no space left on the device to write {out}.")
    return OutputError(f"cannot write to {out.parent}: {exc.strerror or exc}.")


def _raise_if_disk_full(exc: BaseException, out: Path, tmp: Path) -> None:
    # pyarrow's IO errors are OSErrors that may carry the reason only in their text
    if not isinstance(exc, OSError) or not (
        exc.errno in _DISK_FULL or "No space left on device" in str(exc)
    ):
        return
    where = Path(str(exc.filename)) if exc.filename else None
    if where is None or where == tmp or tmp in where.parents:
        where = out
    raise OutputError(
        f"no space left on the device while writing {where}; {out} was left as it was."
    ) from None


def read_yaml(path: Path) -> Any:
    if path.is_dir():
        raise CatalogError(f"{path} is a folder; give the path of a YAML file.")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"{path}: file not found.") from None
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read ({exc.strerror or exc}).") from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise CatalogError(
            f"{path}: line {line} is not UTF-8 text (byte {exc.object[exc.start]:#04x}); "
            "is it a YAML file?"
        ) from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML ({_one_line(exc)}).") from None


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def why(exc: BaseException) -> str:
    """What went wrong, short enough to sit in parentheses inside one sentence."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__
