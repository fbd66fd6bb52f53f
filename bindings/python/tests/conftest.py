"""The vCenter simulator the tests run against: the launcher the Rust tests use
(tests/vcsim/launcher/main.go, built by scripts/build-vcsim.sh, or $VCSIM_BIN), one per test."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

import pytest

import vmrotate

REPO = Path(__file__).resolve().parents[3]
SOURCE = "avocado2"
DURIAN = "NFS_durian"
MANGO = "NFS_mango"
USERNAME = "backup@vsphere.local"
PASSWORD = "S3cret-avocado!"
START_TIMEOUT_S = 60


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1 (the simulator's own is too weak for rustls)."""

    cert: Path
    key: Path
    sha256: str
    """Its SHA-256 thumbprint, ``AB:01:...``."""


@dataclass(frozen=True)
class Simulator:
    """A running simulator serving HTTPS with ``certificate``: two hosts, VM avocado2,
    datastores NFS_durian and NFS_mango, one user."""

    url: str
    certificate: Certificate
    username: str = USERNAME
    password: str = PASSWORD

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 443

    def connect(self) -> vmrotate.Client:
        """A client logged in as the simulator's user, its certificate pinned."""
        return vmrotate.connect(
            self.url,
            username=self.username,
            password=self.password,
            thumbprint=self.certificate.sha256,
        )


def launcher() -> str:
    """The simulator launcher's path, built if needed."""
    binary = os.environ.get("VCSIM_BIN")
    if binary:
        return binary
    built = subprocess.run(
        ["bash", str(REPO / "scripts" / "build-vcsim.sh")],
        check=True,
        capture_output=True,
        text=True,
    )
    return built.stdout.strip()


@pytest.fixture(scope="session")
def launcher_path() -> str:
    return launcher()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    fingerprint = subprocess.run(
        ["openssl", "x509", "-in", str(cert), "-noout", "-fingerprint", "-sha256"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return Certificate(cert=cert, key=key, sha256=fingerprint.strip().split("=", 1)[1])


StartSimulator = Callable[..., Simulator]


@pytest.fixture
def start_simulator(
    launcher_path: str, certificate: Certificate, tmp_path: Path
) -> Iterator[StartSimulator]:
    """Starts simulators with extra launcher flags (e.g. ``"-method-delay", "CloneVM_Task=500"``);
    stops them after the test, and when pytest dies (``-watch-stdin``)."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(*extra_args: str) -> Simulator:
        directory = tmp_path / f"vcsim{len(processes)}"
        directory.mkdir()
        url_file, log_path = directory / "url", directory / "log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [
                    launcher_path,
                    "-username", USERNAME,
                    "-password", PASSWORD,
                    "-vm-name", SOURCE,
                    "-nfs", f"{DURIAN},{MANGO}",
                    "-hosts", "2",
                    "-tls-cert", str(certificate.cert),
                    "-tls-key", str(certificate.key),
                    "-url-file", str(url_file),
                    "-watch-stdin",
                    *extra_args,
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        processes.append(process)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not url_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the simulator did not start: {log_path.read_text()}")
            time.sleep(0.05)
        return Simulator(url=url_file.read_text().strip(), certificate=certificate)

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def simulator(start_simulator: StartSimulator) -> Simulator:
    """A fresh simulator for one test."""
    return start_simulator()


@pytest.fixture
def client(simulator: Simulator) -> Iterator[vmrotate.Client]:
    with simulator.connect() as client:
        yield client


def day(number: int) -> datetime:
    """The run of day `number` of September 2019 at 02:41 UTC (the article's time)."""
    return datetime(2019, 9, number, 2, 41, tzinfo=timezone.utc)


def clone_name(slot: int, number: int) -> str:
    """The clone of slot `slot` taken on day `number` (UTC stamps)."""
    return f"zz_{SOURCE}-{slot:02}-201909{number:02}0241"
