"""The twin's `openssl x509` prints what /usr/bin/openssl 3.0 prints for the same PEM bytes."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from app.providers.sim.clock import Clock
from app.providers.sim.cluster import create_cluster

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
PATHS = ["/etc/kubernetes/pki/apiserver.crt", "/etc/kubernetes/pki/ca.crt",
         "/etc/kubernetes/pki/apiserver-kubelet-client.crt", "/etc/kubernetes/pki/etcd/server.crt",
         "/var/lib/kubelet/pki/kubelet.crt"]
OPTIONS = ["-noout -dates", "-noout -enddate", "-noout -startdate", "-noout -subject",
           "-noout -issuer", "-noout -serial", "-noout -ext subjectAltName",
           "-noout -subject -issuer -enddate", "-noout -checkend 86400", "-noout -checkend 0"]


@pytest.fixture(scope="module")
def cluster():
    return create_cluster("kind", 1, 1, clock=Clock(frozen_at=1_790_000_000), age=600)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("options", OPTIONS)
def test_x509_output_is_byte_identical_to_real_openssl(cluster, tmp_path, path, options) -> None:
    node = cluster.node("control-plane")
    pem = node.read_file(path)
    f = tmp_path / "cert.pem"
    f.write_bytes(pem)
    real = subprocess.run([OPENSSL, "x509", "-in", str(f), *options.split()],
                          capture_output=True, text=True, check=False)
    twin = node.exec(f"openssl x509 -in {path} {options}")
    if "checkend" in options:  # the twin's clock is not the host's: compare the verdict only
        assert twin.output in ("Certificate will expire\n", "Certificate will not expire\n")
        return
    assert twin.output == real.stdout + real.stderr
    assert twin.exit_code == real.returncode


def test_x509_without_noout_appends_the_pem_like_openssl(cluster, tmp_path) -> None:
    node = cluster.node("control-plane")
    path = "/etc/kubernetes/pki/apiserver.crt"
    f = tmp_path / "c.pem"
    f.write_bytes(node.read_file(path))
    real = subprocess.run([OPENSSL, "x509", "-in", str(f), "-enddate"], capture_output=True,
                          text=True, check=False)
    assert node.exec(f"openssl x509 -in {path} -enddate").output == real.stdout


def test_checkend_judges_by_the_twin_clock(cluster) -> None:
    node = cluster.node("control-plane")
    soon = node.exec("openssl x509 -in /etc/kubernetes/pki/apiserver.crt -noout -checkend "
                     f"{400 * 86400}")
    later = node.exec("openssl x509 -in /etc/kubernetes/pki/apiserver.crt -noout -checkend 60")
    assert (soon.output, soon.exit_code) == ("Certificate will expire\n", 1)
    assert (later.output, later.exit_code) == ("Certificate will not expire\n", 0)
