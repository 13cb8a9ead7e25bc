"""A private PostgreSQL cluster for tests: initdb + pg_ctl in a temporary folder, listening only on a
Unix socket there (no TCP port, no system service), stopped and removed at the end.

PostgreSQL refuses to run as root; under root (CI) the server runs as the `postgres` user that
Debian's package creates, and the folder is handed to it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
SUPERUSER = "wipcast_admin"
PASSWORD = "test-only-secret"


def binaries() -> Path | None:
    """The newest installed server's bin folder (Debian's layout), or the folder of an initdb on PATH."""
    for folder in BIN_DIRS:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@dataclass(frozen=True)
class Cluster:
    socket_dir: Path
    port: int
    database: str

    def dsn(self, user: str = SUPERUSER, password: str | None = PASSWORD) -> str:
        secret = f":{password}" if password else ""
        return f"postgresql://{user}{secret}@/{self.database}?host={self.socket_dir}&port={self.port}"


def _run_as(argv: list[str], user: str | None) -> None:
    command = ["runuser", "-u", user, "--", *argv] if user else argv
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)


@contextlib.contextmanager
def private_cluster(port: int = 5432) -> Iterator[Cluster]:
    bin_dir = binaries()
    assert bin_dir is not None
    root = Path(tempfile.mkdtemp(prefix="wipcast-pg-"))
    user = None
    if os.geteuid() == 0:
        user = "postgres"
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    data, sock = root / "data", root
    pwfile = root / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if user:
        entry = pwd.getpwnam(user)
        os.chown(pwfile, entry.pw_uid, entry.pw_gid)
    try:
        _run_as(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            user,
        )
        # fsync off: a test cluster need not survive a power cut, and the build runs faster
        options = (
            f"-k {sock} -c listen_addresses='' -p {port} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        _run_as(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "server.log"), "-w", "start"],
            user,
        )
        try:
            yield Cluster(sock, port, "postgres")
        finally:
            _run_as([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], user)
    finally:
        shutil.rmtree(root, ignore_errors=True)
