import os
import stat
from pathlib import Path

EXPORT_MODE = 0o666
PRIVATE_MODE = 0o600


def export(out_path, folder, fd, sftp, state_path):
    # ruleid: world-writable-permission-mode
    os.chmod(out_path, 0o666)
    # ok: world-writable-permission-mode
    os.chmod(out_path, 0o644)
    # ruleid: world-writable-permission-mode
    os.chmod(out_path, 0o777)
    # ok: world-writable-permission-mode
    os.chmod(out_path, 0o600)
    # ruleid: world-writable-permission-mode
    os.chmod(out_path, 511)
    # ruleid: world-writable-permission-mode
    os.chmod(out_path, 0o776)
    # ok: world-writable-permission-mode
    os.chmod(out_path, 0o775)
    # ruleid: world-writable-permission-mode
    os.chmod(out_path, EXPORT_MODE)
    # ok: world-writable-permission-mode
    os.chmod(out_path, PRIVATE_MODE)
    # ruleid: world-writable-permission-mode
    os.makedirs(folder, mode=0o777, exist_ok=True)
    # ok: world-writable-permission-mode
    os.makedirs(folder, mode=0o700, exist_ok=True)
    # ok: world-writable-permission-mode
    os.makedirs(folder, exist_ok=True)
    # ruleid: world-writable-permission-mode
    os.makedirs(folder, 0o777)
    # ruleid: world-writable-permission-mode
    os.mkdir(folder, 0o777)
    # ruleid: world-writable-permission-mode
    Path(folder).chmod(0o777)
    # ok: world-writable-permission-mode
    Path(folder).chmod(0o750)
    # ruleid: world-writable-permission-mode
    Path(folder).mkdir(parents=True, exist_ok=True, mode=0o777)
    # ok: world-writable-permission-mode
    Path(folder).mkdir(parents=True, exist_ok=True, mode=0o700)
    # ruleid: world-writable-permission-mode
    Path(out_path).touch(mode=0o666)
    # ruleid: world-writable-permission-mode
    handle = os.open(state_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    # ok: world-writable-permission-mode
    handle = os.open(state_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    # ok: world-writable-permission-mode
    handle = os.open(state_path, os.O_RDONLY)
    # ruleid: world-writable-permission-mode
    os.fchmod(fd, 0o666)
    # ok: world-writable-permission-mode
    os.fchmod(fd, 0o640)
    # ruleid: world-writable-permission-mode
    sftp.chmod(out_path, 0o777)
    return handle


def flags(out_path, fh, log_dir):
    # ruleid: world-writable-permission-flag
    os.chmod(out_path, os.stat(out_path).st_mode | stat.S_IWOTH)
    # ok: world-writable-permission-flag
    os.chmod(out_path, os.stat(out_path).st_mode & ~stat.S_IWOTH)
    # ruleid: world-writable-permission-flag
    os.fchmod(fh.fileno(), stat.S_IRWXU | stat.S_IRWXG | stat.S_IRWXO)
    # ok: world-writable-permission-flag
    os.fchmod(fh.fileno(), stat.S_IRWXU)
    # ruleid: world-writable-permission-flag
    os.chmod(out_path, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH | stat.S_IWOTH)
    # ok: world-writable-permission-flag
    os.chmod(out_path, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
    # ruleid: world-writable-permission-flag
    log_dir.chmod(stat.S_IRWXU | stat.S_IRWXO)
    # ok: world-writable-permission-flag
    os.chmod(out_path, os.stat(out_path).st_mode & ~(stat.S_IWGRP | stat.S_IWOTH))


def masks(previous):
    # ruleid: world-writable-umask
    previous = os.umask(0)
    # ruleid: world-writable-umask
    os.umask(0o000)
    # ok: world-writable-umask
    os.umask(0o077)
    # ok: world-writable-umask
    os.umask(0o022)
    # ok: world-writable-umask
    os.umask(previous)


def composed_forms(name, folder, target, handle):
    # ruleid: world-writable-permission-flag
    target.chmod(stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IWGRP | stat.S_IROTH | stat.S_IWOTH)
    # ok: world-writable-permission-flag
    target.chmod(stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP)
    current = os.stat(name).st_mode
    # ruleid: world-writable-permission-flag
    os.chmod(name, current | stat.S_IWOTH)
    # ok: world-writable-permission-flag
    os.chmod(name, current | stat.S_IWGRP)
    # ok: world-writable-permission-flag
    os.fchmod(handle.fileno(), stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP)
    # ruleid: world-writable-permission-mode
    Path(folder, Path(name).name).mkdir(0o777)
    # ok: world-writable-permission-mode
    Path(folder, Path(name).name).mkdir(0o700)
    # ok: world-writable-permission-mode
    Path(folder).mkdir(parents=True, exist_ok=True)
    # ruleid: world-writable-permission-mode
    target.touch(mode=0o666, exist_ok=True)
    # ok: world-writable-permission-mode
    target.touch(mode=0o600, exist_ok=True)
    # ruleid: world-writable-permission-mode
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, mode=0o666)
    # ok: world-writable-permission-mode
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, mode=0o600)
    for root, dirs, files in os.walk(folder):
        for entry in dirs + files:
            # ruleid: world-writable-permission-mode
            os.chmod(os.path.join(root, entry), 0o777)
            # ok: world-writable-permission-mode
            os.chmod(os.path.join(root, entry), 0o755)
    return fd


def local_modes(name):
    mode = 0o666
    # ruleid: world-writable-permission-mode
    os.chmod(name, mode=mode)
    kept = 0o640
    # ok: world-writable-permission-mode
    os.chmod(name, mode=kept)
    # ruleid: world-writable-umask
    previous = os.umask(0)
    # ok: world-writable-umask
    os.umask(0o027)
    return previous
