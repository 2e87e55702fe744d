"""`openssl pkey|ec` and `x509 -pubkey` against /usr/bin/openssl 3.0 on the twin's key files,
and the public-key match check for the kubelet's EC client key."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
KUBELET = "/var/lib/kubelet/pki/kubelet-client-current.pem"
PKI = "/etc/kubernetes/pki"


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    return create_cluster("kind", 1, 0)


def both(cluster: SimCluster, tmp: Path, path: str, line: str, err_first: bool = False
         ) -> tuple[tuple[str, int], tuple[str, int]]:
    (tmp / "k.pem").write_bytes(cluster.node("control-plane").read_file(path))
    r = subprocess.run(f"{OPENSSL} {line.format(f='k.pem')}", shell=True, cwd=tmp,  # noqa: S602
                       capture_output=True, text=True, timeout=60, check=False)
    real = (r.stderr + r.stdout) if err_first else (r.stdout + r.stderr)
    twin = SimTerminal(cluster, "kind-control-plane").run(f"openssl {line.format(f=path)}")
    norm = re.compile(r"^[0-9A-F]{16}:error:(.*)\.c:\d+:", re.M)
    return ((norm.sub(r"X:\1.c:N:", twin.output), twin.exit_code),
            (norm.sub(r"X:\1.c:N:", real), r.returncode))


@pytest.mark.parametrize("path", [KUBELET, f"{PKI}/ca.key", f"{PKI}/sa.key"])
@pytest.mark.parametrize("options", ["", "-pubout", "-noout -text", "-text", "-pubout -text",
                                     "-noout -text_pub", "-pubout -noout"])
def test_pkey_matches_real_openssl(cluster: SimCluster, tmp_path: Path, path: str,
                                   options: str) -> None:
    twin, real = both(cluster, tmp_path, path, f"pkey -in {{f}} {options}")
    assert twin == real


@pytest.mark.parametrize("options", ["-noout", "-noout -text", "-pubout", "-pubout -text"])
def test_ec_matches_real_openssl(cluster: SimCluster, tmp_path: Path, options: str) -> None:
    twin, real = both(cluster, tmp_path, KUBELET, f"ec -in {{f}} {options}", err_first=True)
    notes = ("read EC key\n", "writing EC key\n")  # stderr, where the terminal interleaves

    def strip(text: str) -> str:
        return text.replace(notes[0], "").replace(notes[1], "")

    assert strip(twin[0]) == strip(real[0]) and twin[1] == real[1]
    assert [n for n in notes if n in twin[0]] == [n for n in notes if n in real[0]]


@pytest.mark.parametrize("path", [KUBELET, f"{PKI}/apiserver.crt"])
def test_x509_pubkey_matches_real_openssl(cluster: SimCluster, tmp_path: Path,
                                          path: str) -> None:
    twin, real = both(cluster, tmp_path, path, "x509 -in {f} -noout -subject -pubkey")
    assert twin == real


def test_missing_key_file_reads_like_openssl(cluster: SimCluster, tmp_path: Path) -> None:
    twin, real = both(cluster, tmp_path, KUBELET, "pkey -in nope.pem")
    assert twin == real


def test_the_kubelet_client_key_matches_its_certificate(cluster: SimCluster) -> None:
    out = SimTerminal(cluster, "kind-control-plane").run(
        f"openssl x509 -pubkey -noout -in {KUBELET} | openssl sha256; "
        f"openssl pkey -in {KUBELET} -pubout | openssl sha256; "
        f"openssl pkey -in {PKI}/ca.key -pubout | openssl sha256").output.splitlines()
    assert out[0] == out[1] != out[2]
