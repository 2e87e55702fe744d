"""`openssl rsa`, `x509|req -modulus` and the digests against /usr/bin/openssl 3.0 on the same
key files; and the "does this key match this certificate" check SREs run."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
PKI = "/etc/kubernetes/pki"


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    return create_cluster("kind", 1, 0)


def sh(cluster: SimCluster, line: str) -> tuple[str, int]:
    r = SimTerminal(cluster, "kind-control-plane").run(line)
    return r.output, r.exit_code


def real(line: str, cwd: Path) -> tuple[str, str, int]:
    r = subprocess.run(f"{OPENSSL} {line}", shell=True, capture_output=True, text=True,  # noqa: S602
                       cwd=cwd, timeout=60, check=False)
    return r.stdout, r.stderr, r.returncode


@pytest.mark.parametrize("options", ["-noout -text", "-noout -check", "-noout -modulus",
                                     "-check -noout -modulus -text", "-pubout",
                                     "-RSAPublicKey_out", "-traditional", ""])
@pytest.mark.parametrize("key", ["ca.key", "apiserver.key", "sa.key"])
def test_rsa_prints_what_real_openssl_prints(cluster: SimCluster, tmp_path: Path,
                                             options: str, key: str) -> None:
    (tmp_path / key).write_bytes(cluster.node("control-plane").read_file(f"{PKI}/{key}"))
    out, err, code = real(f"rsa -in {key} {options}", tmp_path)
    term = SimTerminal(cluster, "kind-control-plane")
    got = term.run(f"cd {PKI} && openssl rsa -in {key} {options}")
    assert got.exit_code == code == 0
    assert got.output.replace(err, "") == out
    assert err in got.output  # `writing RSA key` between the printed numbers and the key


@pytest.mark.parametrize("line", ["rsa -in nonexist.key -noout", "rsa -in ca.crt -noout",
                                  "rsa -foo"])
def test_rsa_errors_match_real_openssl(cluster: SimCluster, tmp_path: Path, line: str) -> None:
    import re

    (tmp_path / "ca.crt").write_bytes(cluster.node("control-plane").read_file(f"{PKI}/ca.crt"))
    out, err, code = real(line, tmp_path)
    got, got_code = sh(cluster, f"cd {PKI} && openssl {line}")

    def norm(s: str) -> str:
        return re.sub(r"^[0-9A-F]{16}:error:(.*)\.c:\d+:", r"X:\1.c:N:", s, flags=re.M)

    assert (norm(got), got_code) == (norm(out + err), code)


def test_an_ec_key_is_not_an_rsa_key(cluster: SimCluster) -> None:
    got = sh(cluster, "openssl rsa -in /var/lib/kubelet/pki/kubelet-client-current.pem -noout")
    assert got == ("Not an RSA key\n", 1)
    ec_mod = sh(cluster, "openssl x509 -noout -modulus -in "
                         "/var/lib/kubelet/pki/kubelet-client-current.pem")
    assert ec_mod == ("Modulus=No modulus for this public key type\n", 0)


@pytest.mark.parametrize("path", [f"{PKI}/apiserver.crt", f"{PKI}/ca.crt",
                                  "/var/lib/kubelet/pki/kubelet.crt"])
def test_x509_modulus_matches_real_openssl(cluster: SimCluster, tmp_path: Path,
                                           path: str) -> None:
    (tmp_path / "c.pem").write_bytes(cluster.node("control-plane").read_file(path))
    out, _, code = real("x509 -in c.pem -noout -subject -modulus", tmp_path)
    assert sh(cluster, f"openssl x509 -in {path} -noout -subject -modulus") == (out, code)


def test_the_key_matches_its_certificate_and_not_another(cluster: SimCluster) -> None:
    line = ("openssl x509 -noout -modulus -in {crt} | openssl md5; "
            "openssl rsa -noout -modulus -in {key} | openssl md5")
    same, _ = sh(cluster, line.format(crt=f"{PKI}/apiserver.crt", key=f"{PKI}/apiserver.key"))
    a, b = same.splitlines()
    assert a == b and a.startswith("MD5(stdin)= ")
    other, _ = sh(cluster, line.format(crt=f"{PKI}/apiserver.crt", key=f"{PKI}/ca.key"))
    a, b = other.splitlines()
    assert a != b


@pytest.mark.parametrize("line", ["md5", "sha1", "sha256", "sha512", "dgst", "dgst -sha256",
                                  "dgst -md5", "sha256 f", "md5 f f", "dgst f", "md5 nope"])
def test_digests_name_themselves_like_openssl_3(cluster: SimCluster, tmp_path: Path,
                                                line: str) -> None:
    import re

    (tmp_path / "f").write_text("hello\n")
    r = subprocess.run(f"echo hello | {OPENSSL} {line}", shell=True, capture_output=True,  # noqa: S602
                       text=True, cwd=tmp_path, timeout=60, check=False)
    got, code = sh(cluster, f"cd /root && echo hello > f && echo hello | openssl {line}")

    def norm(s: str) -> str:
        return re.sub(r"^[0-9A-F]{16}:error:(.*)\.c:\d+:", r"X:\1.c:N:", s, flags=re.M)

    assert (norm(got), code) == (norm(r.stdout + r.stderr), r.returncode)
