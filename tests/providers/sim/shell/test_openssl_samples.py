"""The twin's `openssl req -text`, `x509 -text` of an `x509 -req` certificate and the digests
print exactly the stored real OpenSSL 3.0.19 outputs (tests/fidelity/samples, SOURCES.md) for
the same PEM bytes, so the layouts hold even where no openssl is installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

SAMPLES = Path(__file__).parents[3] / "fidelity" / "samples"


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    return create_cluster("kind", 1, 0)


def put(cluster: SimCluster, name: str) -> str:
    path = f"/root/{name}"
    cluster.node("control-plane").vfs.write(path, (SAMPLES / name).read_bytes())
    return path


def sh(cluster: SimCluster, line: str) -> str:
    return SimTerminal(cluster, "kind-control-plane").run(line).output


def test_request_text_is_the_real_one(cluster: SimCluster) -> None:
    path = put(cluster, "openssl-req-config.csr")
    want = (SAMPLES / "openssl-req-text.txt").read_text()
    assert sh(cluster, f"openssl req -in {path} -noout -text") == want


def test_signed_certificate_text_is_the_real_one(cluster: SimCluster) -> None:
    path = put(cluster, "openssl-x509-req-signed.crt")
    want = (SAMPLES / "openssl-x509-req-signed-text.txt").read_text()
    assert sh(cluster, f"openssl x509 -in {path} -noout -text") == want


def test_the_signing_report_has_the_real_wording(cluster: SimCluster) -> None:
    lines = (SAMPLES / "openssl-x509-req-stderr.txt").read_text().splitlines()
    csr = put(cluster, "openssl-req-config.csr")
    out = sh(cluster, f"cd /etc/kubernetes/pki && openssl x509 -req -in {csr} -CA ca.crt "
                      "-CAkey ca.key -days 1 -noout")
    assert out.splitlines() == lines


def test_digests_are_named_as_openssl_3_names_them(cluster: SimCluster) -> None:
    want = (SAMPLES / "openssl-rsa-check-md5-sha256.txt").read_text().splitlines()
    assert sh(cluster, "echo hello | openssl md5; echo hello | openssl sha256").splitlines() \
        == want[1:]
    assert sh(cluster, "openssl rsa -in /etc/kubernetes/pki/ca.key -check -noout") == \
        want[0] + "\n"
