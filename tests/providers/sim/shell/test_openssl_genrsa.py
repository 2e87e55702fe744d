"""`openssl genrsa` as Debian 12's OpenSSL 3.0 answers (compared with /usr/bin/openssl)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.providers.sim import entropy
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

REAL = shutil.which("openssl")


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    return create_cluster("kind", 1, 0, clock=Clock(frozen_at=1764118800.0))


def run(cluster: SimCluster, line: str) -> tuple[str, int]:
    r = SimTerminal(cluster, "kind-control-plane").run(line)
    return r.output, r.exit_code


def test_a_key_is_pkcs8_on_stdout_and_draws_randomness(cluster: SimCluster) -> None:
    before = entropy.drawn()
    out, code = run(cluster, "openssl genrsa 1024")
    assert code == 0 and out.startswith("-----BEGIN PRIVATE KEY-----\n")
    key = serialization.load_pem_private_key(out.encode(), None)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 1024
    assert entropy.drawn() > before, "a new key must make the twin save a snapshot"


def test_out_writes_a_0600_file_and_prints_nothing(cluster: SimCluster) -> None:
    out, code = run(cluster, "cd /root && openssl genrsa -out k.pem && stat -c %a k.pem "
                             "&& openssl genrsa -traditional 512 | head -1")
    assert (out, code) == ("600\n-----BEGIN RSA PRIVATE KEY-----\n", 0)


@pytest.mark.parametrize(("args", "expected"), [
    ("abc", 'genrsa: Can\'t parse "abc" as a number\n'),
    ("1024 2048", "Extra arguments given.\ngenrsa: Use -help for summary.\n"),
    ("256", "Error setting RSA length\n"),
    ("-out /nonexistent/x.pem", 'genrsa: Can\'t open "/nonexistent/x.pem" for writing, '
                                "No such file or directory\n"),
])
def test_errors_read_like_openssl_3(cluster: SimCluster, args: str, expected: str) -> None:
    out, code = run(cluster, f"openssl genrsa {args}")
    assert (out, code) == (expected, 1)
    if REAL is not None:  # the first line of the real tool's answer is the same
        real = subprocess.run([REAL, "genrsa", *args.split()], capture_output=True, text=True,
                              timeout=60, cwd="/tmp", check=False)
        assert real.returncode == 1
        assert real.stderr.splitlines()[0] == expected.splitlines()[0]
