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
         "/var/lib/kubelet/pki/kubelet.crt", "/var/lib/kubelet/pki/kubelet-client-current.pem"]
OPTIONS = ["-noout -dates", "-noout -enddate", "-noout -startdate", "-noout -subject",
           "-noout -issuer", "-noout -serial", "-noout -ext subjectAltName",
           "-noout -subject -issuer -enddate", "-noout -checkend 86400", "-noout -checkend 0",
           "-noout -text", "-text -noout -serial"]


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


def _real_time_cluster_with_expired_apiserver_cert():
    from app.faults.registry import get

    c = create_cluster("kind", 1, 1)  # the host's clock: real openssl judges expiry by it too
    ft = get("cert-expire")
    ft.inject(c, c.node("control-plane"), ft.params(path="/etc/kubernetes/pki/apiserver.crt"))
    c.sync()
    return c


@pytest.mark.parametrize(("cert", "ca"), [
    ("/etc/kubernetes/pki/apiserver-kubelet-client.crt", "/etc/kubernetes/pki/ca.crt"),
    ("/etc/kubernetes/pki/apiserver.crt", "/etc/kubernetes/pki/ca.crt"),
    ("/etc/kubernetes/pki/apiserver-kubelet-client.crt", "/etc/kubernetes/pki/etcd/ca.crt"),
])
def test_verify_matches_real_openssl(tmp_path, monkeypatch, cert, ca) -> None:
    c = _real_time_cluster_with_expired_apiserver_cert()
    node = c.node("control-plane")
    (tmp_path / "etc/kubernetes/pki/etcd").mkdir(parents=True)
    for path in (cert, ca):
        (tmp_path / path.lstrip("/")).write_bytes(node.read_file(path))
    monkeypatch.chdir(tmp_path)
    rel_cert, rel_ca = cert.lstrip("/"), ca.lstrip("/")
    real = subprocess.run([OPENSSL, "verify", "-CAfile", rel_ca, rel_cert], capture_output=True,
                          text=True, check=False)
    twin = node.exec(f"cd / && openssl verify -CAfile {rel_ca} {rel_cert}")
    assert twin.output == real.stdout + real.stderr
    assert twin.exit_code == real.returncode


def test_s_client_shows_the_certificate_the_apiserver_loaded_like_openssl() -> None:
    from pathlib import Path

    sample = (Path(__file__).parents[3] / "fidelity/samples/"
              "openssl-s_client-apiserver-no-cafile.txt").read_text()
    c = _real_time_cluster_with_expired_apiserver_cert()
    c.advance(10)
    out = c.node("control-plane").exec("openssl s_client -connect 127.0.0.1:6443 </dev/null")
    shape = [x for x in sample.split("\n") if x.startswith(("depth=", "verify ", "subject=",
                                                            "issuer=", " 0 s:", "   i:"))]
    ours = [x for x in out.output.split("\n") if x.startswith(("depth=", "verify ", "subject=",
                                                               "issuer=", " 0 s:", "   i:"))]
    assert ours == shape
    assert "Verify return code: 21 (unable to verify the first certificate)" in out.output
    with_ca = c.node("control-plane").exec(
        "openssl s_client -connect 127.0.0.1:6443 -CAfile /etc/kubernetes/pki/ca.crt </dev/null")
    assert "Verify return code: 10 (certificate has expired)" in with_ca.output


def test_s_client_to_a_closed_port_is_refused() -> None:
    c = create_cluster("kind", 1, 0)
    out = c.node("control-plane").exec("openssl s_client -connect 127.0.0.1:9999 </dev/null")
    assert out.exit_code == 1 and out.output.endswith("connect:errno=111\n")
