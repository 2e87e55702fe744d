"""`openssl req` and `openssl x509 -req` on a twin node against /usr/bin/openssl 3.0 on the same
files: RSA PKCS#1 v1.5 signatures are deterministic, so a request made from the same key and
subject is the same bytes; certificate text is compared apart from dates and signature."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from app.providers.sim import entropy
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
PKI = "/etc/kubernetes/pki"
CSR_CONF = """[ req ]
default_bits = 2048
prompt = no
default_md = sha256
req_extensions = req_ext
distinguished_name = dn

[ dn ]
C = US
ST = Some-State
O = example
CN = 172.18.0.2

[ req_ext ]
subjectAltName = @alt_names

[ alt_names ]
DNS.1 = kubernetes
DNS.2 = kubernetes.default
IP.1 = 172.18.0.2
IP.2 = 10.96.0.1

[ v3_ext ]
authorityKeyIdentifier=keyid,issuer:always
basicConstraints=CA:FALSE
keyUsage=keyEncipherment,dataEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=@alt_names
"""
SUBJECTS = ["/CN=kube-apiserver", "/CN=system:node:kind-worker/O=system:nodes",
            "/O=system:masters/CN=kubernetes-super-admin", "/C=US/ST=CA/L=SF/OU=sre/CN=x"]
ADDEXTS = ['-addext "subjectAltName=DNS:kubernetes,DNS:kubernetes.default,IP:10.96.0.1"',
           '-addext "keyUsage=critical,digitalSignature,keyEncipherment" '
           '-addext "extendedKeyUsage=serverAuth,clientAuth"',
           '-addext "basicConstraints=critical,CA:FALSE" -addext "subjectAltName=IP:::1"']


@pytest.fixture(scope="module")
def cluster() -> SimCluster:
    return create_cluster("kind", 1, 0)


def sh(cluster: SimCluster, line: str) -> tuple[str, int]:
    r = SimTerminal(cluster, "kind-control-plane").run(line)
    return r.output, r.exit_code


def real(args: str, cwd: Path) -> tuple[str, int]:
    """Real openssl through a shell (for the quoting). apps/req.c and apps/x509.c write their
    stderr lines (verify, warnings) before the output, so a terminal shows stderr first."""
    r = subprocess.run(f"{OPENSSL} {args}", shell=True, capture_output=True, text=True,  # noqa: S602
                       cwd=cwd, timeout=60, check=False)
    return r.stderr + r.stdout, r.returncode


def export(cluster: SimCluster, tmp: Path, *paths: str) -> None:
    node = cluster.node("control-plane")
    for p in paths:
        (tmp / Path(p).name).write_bytes(node.read_file(p))


def norm(text: str) -> str:
    """Error-queue lines start with the thread id, and 3.0.x patch releases move source lines."""
    text = re.sub(r"^[0-9A-F]{12,16}:error:", "X:error:", text, flags=re.M)
    return re.sub(r"\.c:\d+:", ".c:N:", text)


@pytest.mark.parametrize("subj", SUBJECTS)
@pytest.mark.parametrize("addext", ["", *ADDEXTS])
def test_a_request_is_the_bytes_real_openssl_makes_from_the_same_key(
        cluster: SimCluster, tmp_path: Path, subj: str, addext: str) -> None:
    export(cluster, tmp_path, f"{PKI}/apiserver.key")
    line = f"req -new -key apiserver.key -subj '{subj}' {addext}"
    want, code = real(line, tmp_path)
    got = sh(cluster, f"cd {PKI} && openssl {line}")
    assert (got, code) == ((want, 0), 0)


def test_a_request_from_a_config_file_matches_real_openssl(cluster: SimCluster,
                                                          tmp_path: Path) -> None:
    export(cluster, tmp_path, f"{PKI}/apiserver.key")
    (tmp_path / "csr.conf").write_text(CSR_CONF)
    sh(cluster, f"cat > /root/csr.conf <<'EOF'\n{CSR_CONF}EOF")
    want, _ = real("req -new -key apiserver.key -config csr.conf", tmp_path)
    got, code = sh(cluster, f"cd /root && openssl req -new -key {PKI}/apiserver.key "
                            "-config csr.conf")
    assert (got, code) == (want, 0)


@pytest.mark.parametrize("options", ["-noout -text", "-noout -subject", "-noout -modulus",
                                     "-noout -pubkey", "-noout -verify",
                                     "-noout -text -subject -modulus -pubkey", "-verify",
                                     "-text"])
@pytest.mark.parametrize("maker", ["twin", "real"])
def test_req_prints_a_request_like_real_openssl(cluster: SimCluster, tmp_path: Path,
                                                options: str, maker: str) -> None:
    export(cluster, tmp_path, f"{PKI}/apiserver.key")
    make = ("req -new -key apiserver.key -subj /CN=kube-apiserver/O=kubeadm -addext "
            "'subjectAltName=DNS:kind-control-plane,IP:172.18.0.2'")
    if maker == "real":  # a request openssl made, read by the twin
        real(f"{make} -out a.csr", tmp_path)
        sh(cluster, f"cat > /root/a.csr <<'EOF'\n{(tmp_path / 'a.csr').read_text()}EOF")
    else:
        sh(cluster, f"cd {PKI} && openssl {make} -out /root/a.csr")
        (tmp_path / "a.csr").write_bytes(cluster.node("control-plane").read_file("/root/a.csr"))
    want, code = real(f"req -in a.csr {options}", tmp_path)
    got = sh(cluster, f"cd /root && openssl req -in a.csr {options}")
    assert got == (want, code)


@pytest.mark.parametrize("line", [
    "req -new -key nonexist.key -subj /CN=x",
    "req -new -key apiserver.key -subj CN=x",
    "req -new -key apiserver.key -subj /CN=a/O",
    "req -new -key apiserver.key -subj /CNN=x/CN=y",
    "req -new -key apiserver.key -subj /CN=/O=y",
    "req -new -key apiserver.key -subj /CN=x -out /nonexistent/x.csr",
    "req -in nonexist.csr -noout -text",
    "req -in apiserver.key -noout -text",
    "req -new -key apiserver.key -subj /CN=x -foo",
    "req -new -key apiserver.key -subj /CN=x -addext foo=bar -noout",
    "req -new -key apiserver.key -subj /CN=x -addext subjectAltName=IP:300.1.1.1 -noout",
    "req -x509 -key apiserver.key -subj /CN=x -days abc -noout",
    "req -new -key apiserver.key -config nope.cnf",
])
def test_req_errors_read_like_real_openssl(cluster: SimCluster, tmp_path: Path,
                                           line: str) -> None:
    export(cluster, tmp_path, f"{PKI}/apiserver.key")
    want, code = real(line, tmp_path)
    got, got_code = sh(cluster, f"cd {PKI} && openssl {line}")
    assert (norm(got), got_code) == (norm(want), code)


def _cert_shape(text: str) -> str:
    """-text without what depends on the clock or the random serial."""
    text = re.sub(r"(Not (Before|After) ?: ).*", r"\1<date>", text)
    text = re.sub(r"Serial Number:\n\s+[0-9a-f:]+\n", "Serial Number: <serial>\n", text)
    text = re.sub(r"serial:[0-9A-F:]+", "serial:<serial>", text)
    return text.split("    Signature Value:")[0]


@pytest.mark.parametrize("extfile", ["", "-extfile csr.conf -extensions v3_ext",
                                     "-extfile san.cnf"])
def test_x509_req_signs_like_real_openssl(cluster: SimCluster, tmp_path: Path,
                                          extfile: str) -> None:
    export(cluster, tmp_path, f"{PKI}/ca.crt", f"{PKI}/ca.key", f"{PKI}/apiserver.key")
    (tmp_path / "csr.conf").write_text(CSR_CONF)
    (tmp_path / "san.cnf").write_text("subjectAltName = DNS:kind-control-plane, IP:10.96.0.1\n"
                                      "extendedKeyUsage = serverAuth\n")
    sh(cluster, f"cat > /root/csr.conf <<'EOF'\n{CSR_CONF}EOF")
    sh(cluster, "printf 'subjectAltName = DNS:kind-control-plane, IP:10.96.0.1\\n"
                "extendedKeyUsage = serverAuth\\n' > /root/san.cnf")
    real("req -new -key apiserver.key -subj /CN=kube-apiserver -out a.csr", tmp_path)
    sh(cluster, f"cd /root && openssl req -new -key {PKI}/apiserver.key -subj /CN=kube-apiserver"
                " -out a.csr")
    sign = f"-in a.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 {extfile}"
    want_err, code = real(f"x509 -req {sign} -out a.crt", tmp_path)
    got_err, got_code = sh(cluster, f"cd /root && cp {PKI}/ca.crt {PKI}/ca.key . && "
                                    f"openssl x509 -req {sign} -out a.crt")
    assert (got_err, got_code) == (want_err, code) == (
        "Certificate request self-signature ok\nsubject=CN = kube-apiserver\n", 0)
    want, _ = real("x509 -in a.crt -noout -text", tmp_path)
    got, _ = sh(cluster, "openssl x509 -in /root/a.crt -noout -text")
    assert _cert_shape(got) == _cert_shape(want)
    srl, _ = sh(cluster, "cat /root/ca.srl")
    serial, _ = sh(cluster, "openssl x509 -in /root/a.crt -noout -serial")
    assert serial == f"serial={srl}"


def test_the_serial_file_is_read_and_incremented(cluster: SimCluster) -> None:
    sh(cluster, f"cd /root && openssl req -new -key {PKI}/apiserver.key -subj /CN=a -out s.csr"
                " && echo 0F > ca.srl")
    got, code = sh(cluster, f"cd /root && cp {PKI}/ca.crt {PKI}/ca.key . && openssl x509 -req "
                            "-in s.csr -CA ca.crt -CAkey ca.key -noout -serial && cat ca.srl")
    assert code == 0 and got.endswith("serial=10\n10\n")
    fixed, _ = sh(cluster, "cd /root && openssl x509 -req -in s.csr -CA ca.crt -CAkey ca.key "
                           "-set_serial 5 -noout -serial 2>/dev/null && cat ca.srl")
    assert fixed == "serial=05\n10\n"


def test_x509_req_refuses_a_ca_key_that_is_not_the_cas(cluster: SimCluster,
                                                      tmp_path: Path) -> None:
    export(cluster, tmp_path, f"{PKI}/ca.crt", f"{PKI}/apiserver.key")
    real("req -new -key apiserver.key -subj /CN=a -out a.csr", tmp_path)
    sh(cluster, f"cd /root && openssl req -new -key {PKI}/apiserver.key -subj /CN=a -out a.csr")
    line = "x509 -req -in a.csr -CA ca.crt -CAkey apiserver.key -out a.crt"
    want, code = real(line, tmp_path)
    got = sh(cluster, f"cd /root && cp {PKI}/ca.crt {PKI}/apiserver.key . && openssl {line}")
    assert (norm(got[0]), got[1]) == (norm(want), code)
    missing = "x509 -req -in a.csr -CA ca.crt -out a.crt"
    want, code = real(missing, tmp_path)
    assert sh(cluster, f"cd /root && openssl {missing}") == (want, code)


def test_self_signed_x509_has_the_v3_ca_extensions_of_debians_config(
        cluster: SimCluster, tmp_path: Path) -> None:
    export(cluster, tmp_path, f"{PKI}/apiserver.key")
    line = ("req -x509 -key apiserver.key -subj /CN=my-ca -days 10 "
            "-addext subjectAltName=DNS:my-ca -set_serial 7")
    want, _ = real(f"{line} -noout -text", tmp_path)
    got, code = sh(cluster, f"cd {PKI} && openssl {line} -noout -text")
    assert code == 0 and _cert_shape(got) == _cert_shape(want)
    assert "Not After : " in got


def test_newkey_writes_a_0600_pkcs8_key_and_draws_randomness(cluster: SimCluster) -> None:
    before = entropy.drawn()
    out, code = sh(cluster, "cd /root && openssl req -newkey rsa:2048 -nodes -keyout n.key "
                            "-subj /CN=n -out n.csr && stat -c %a n.key && head -1 n.key && "
                            "openssl req -in n.csr -noout -verify")
    assert code == 0 and out.endswith("-----\n600\n-----BEGIN PRIVATE KEY-----\n"
                                      "Certificate request self-signature verify OK\n")
    assert entropy.drawn() > before
    other, _ = sh(cluster, f"openssl rsa -in /root/n.key -noout -modulus; openssl x509 -in "
                           f"{PKI}/apiserver.crt -noout -modulus")
    a, b = other.splitlines()
    assert a != b, "a new key never matches a cluster certificate"


def test_newkey_without_nodes_asks_for_a_pass_phrase_it_cannot_read(cluster: SimCluster
                                                                   ) -> None:
    out, code = sh(cluster, "cd /root && openssl req -newkey rsa:2048 -keyout p.key -subj /CN=p "
                            "-out p.csr </dev/null")
    assert code == 1 and "Enter PEM pass phrase:" in out
