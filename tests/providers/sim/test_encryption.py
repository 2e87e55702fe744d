"""Encryption at rest: the EncryptionConfiguration kube-apiserver reads at start, and the bytes
etcd holds for Secrets written before and after it."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from app.providers.sim import encryption
from app.providers.sim import etcd_cluster as ec
from app.providers.sim.clock import Clock
from app.providers.sim.cluster import SimCluster, create_cluster
from app.providers.sim.terminal import SimTerminal

NOW = 1764118800.0
KEY = base64.b64encode(bytes(range(32))).decode()
MANIFEST = "/etc/kubernetes/manifests/kube-apiserver.yaml"
SAMPLES = Path(__file__).parents[2] / "fidelity" / "samples"


def config(secret: str = KEY, first: str = "aescbc") -> bytes:
    return (f"apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n"
            f"resources:\n  - resources:\n      - secrets\n    providers:\n"
            f"      - {first}:\n          keys:\n            - name: key1\n"
            f"              secret: {secret}\n      - identity: {{}}\n").encode()


SECRET = b"""apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: default
data:
  password: UGF5LUxlZGdlci0yMDI1IQ==
"""

MOUNT = ("sed -i -e 's#^    volumeMounts:$#&\\n    - mountPath: /etc/kubernetes/enc\\n"
         "      name: enc#' -e 's#^  volumes:$#&\\n  - hostPath:\\n"
         f"      path: /etc/kubernetes/enc\\n    name: enc#' {MANIFEST}")
FLAG = (f"sed -i 's#^    - --tls-private-key-file=.*#&\\n    - --encryption-provider-config="
        f"/etc/kubernetes/enc/enc.yaml#' {MANIFEST}")


def run(cluster: SimCluster, line: str):
    return SimTerminal(cluster, "kind-control-plane").run(line)


@pytest.fixture
def cluster() -> SimCluster:
    c = create_cluster("kind", 1, 0, clock=Clock(frozen_at=NOW))
    c.node("control-plane").vfs.write("/root/db.yaml", SECRET)
    assert run(c, "kubectl apply -f /root/db.yaml").exit_code == 0
    return c


def stored(cluster: SimCluster) -> bytes:
    return ec.keyspace(cluster)["/registry/secrets/default/db"]


def enable(cluster: SimCluster, data: bytes = config(), mount: bool = True) -> None:
    vfs = cluster.node("control-plane").vfs
    vfs.mkdir("/etc/kubernetes/enc", parents=True)
    vfs.write("/etc/kubernetes/enc/enc.yaml", data)
    if mount:
        assert run(cluster, MOUNT).exit_code == 0
    assert run(cluster, FLAG).exit_code == 0
    cluster.advance(60)


def apiserver_log(cluster: SimCluster) -> str:
    return run(cluster, "crictl logs $(crictl ps -a --name kube-apiserver -q | head -1)").output


# --- the configuration file ------------------------------------------------------------------

def test_a_valid_config_selects_the_first_provider_and_its_first_key() -> None:
    tr = encryption.parse("/e.yaml", config())
    key1 = {"provider": "aescbc", "key": "key1", "secret": KEY}
    assert tr == {**key1, "read": [key1, {"provider": "identity"}]}
    tr = encryption.parse("/e.yaml", config(first="identity").replace(
        b"identity:\n          keys:\n            - name: key1\n              secret: " +
        KEY.encode() + b"\n", b"identity: {}\n"))
    assert tr["provider"] == "identity" and "key" not in tr


def test_a_missing_file_is_the_real_load_error() -> None:
    with pytest.raises(encryption.ConfigError) as err:
        encryption.parse("/var/lib/kubernetes/encryption-config.yaml", None)
    sample = (SAMPLES / "kube-apiserver-encryption-config-missing.txt").read_text()
    assert f'"command failed" err="{err.value}"'.replace('"/var', '\\"/var').replace(
        'yaml": open', 'yaml\\": open') == sample.strip()


def test_an_empty_file_and_a_short_key_are_rejected_as_the_apiserver_does() -> None:
    with pytest.raises(encryption.ConfigError, match='configuration file "/e.yaml" is empty'):
        encryption.parse("/e.yaml", b"")
    short = base64.b64encode(b"x" * 20).decode()
    with pytest.raises(encryption.ConfigError) as err:
        encryption.parse("/e.yaml", config(short))
    assert str(err.value) == (
        'error while parsing file: resources[0].providers[0].aescbc.keys[0].secret: Invalid '
        'value: "REDACTED": secret is not of the expected length, got 20, expected one of '
        '[16 24 32]')
    with pytest.raises(encryption.ConfigError, match="secrets must be base64 encoded"):
        encryption.parse("/e.yaml", config("not base64!"))


def test_a_wrong_kind_or_broken_yaml_fails_to_decode() -> None:
    with pytest.raises(encryption.ConfigError, match='no kind "EncryptionConfig" is registered'):
        encryption.parse("/e.yaml", config().replace(b"EncryptionConfiguration",
                                                     b"EncryptionConfig"))
    with pytest.raises(encryption.ConfigError, match="error converting YAML to JSON: yaml: line"):
        encryption.parse("/e.yaml", b"kind: [x\n  y: : z\n")


# --- kube-apiserver ----------------------------------------------------------------------------

def test_the_flag_without_a_mount_crash_loops_with_the_real_error(cluster: SimCluster) -> None:
    enable(cluster, mount=False)
    assert ('run.go:72] "command failed" err="error while parsing file: error while loading '
            'file: error reading encryption provider configuration file '
            '\\"/etc/kubernetes/enc/enc.yaml\\": open /etc/kubernetes/enc/enc.yaml: no such file '
            'or directory"') in apiserver_log(cluster)
    assert "Exited" in run(cluster, "crictl ps -a --name kube-apiserver").output
    assert run(cluster, "kubectl get secrets").exit_code != 0


def test_an_invalid_key_crash_loops_and_secrets_stay_plaintext(cluster: SimCluster) -> None:
    enable(cluster, config(base64.b64encode(b"short").decode()))
    assert "secret is not of the expected length, got 5" in apiserver_log(cluster)
    assert b"Pay-Ledger-2025!" in stored(cluster)


def test_without_encryption_etcd_holds_the_secret_in_plaintext(cluster: SimCluster) -> None:
    value = stored(cluster)
    assert value.startswith(b"k8s\x00") and b"Pay-Ledger-2025!" in value


def test_existing_secrets_stay_plaintext_until_rewritten(cluster: SimCluster) -> None:
    enable(cluster)
    assert run(cluster, "kubectl get nodes").exit_code == 0
    assert b"Pay-Ledger-2025!" in stored(cluster)
    out = run(cluster, "kubectl get secrets -A -o json | kubectl replace -f -")
    assert out.exit_code == 0 and "secret/db replaced" in out.output
    value = stored(cluster)
    assert value.startswith(b"k8s:enc:aescbc:v1:key1:")
    assert b"Pay-Ledger-2025!" not in value
    assert "UGF5LUxlZGdlci0yMDI1IQ==" in run(cluster, "kubectl get secret db -o yaml").output


def test_the_ciphertext_is_aes_cbc_under_the_configured_key(cluster: SimCluster) -> None:
    enable(cluster)
    assert run(cluster, "kubectl replace -f /root/db.yaml").exit_code == 0
    body = stored(cluster)[len(b"k8s:enc:aescbc:v1:key1:"):]
    dec = Cipher(algorithms.AES(base64.b64decode(KEY)), modes.CBC(body[:16])).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    plain = unpadder.update(dec.update(body[16:]) + dec.finalize()) + unpadder.finalize()
    assert plain.startswith(b"k8s\x00") and b"Pay-Ledger-2025!" in plain


def test_new_secrets_are_written_encrypted_and_etcdctl_shows_the_prefix(
        cluster: SimCluster) -> None:
    enable(cluster)
    cluster.node("control-plane").vfs.write("/root/new.yaml", SECRET.replace(b"name: db",
                                                                           b"name: fresh"))
    assert run(cluster, "kubectl apply -f /root/new.yaml").exit_code == 0
    out = run(cluster, "etcdctl --endpoints=https://127.0.0.1:2379 "
                       "--cacert=/etc/kubernetes/pki/etcd/ca.crt "
                       "--cert=/etc/kubernetes/pki/etcd/server.crt "
                       "--key=/etc/kubernetes/pki/etcd/server.key "
                       "get /registry/secrets/default/fresh").output
    assert "/registry/secrets/default/fresh\nk8s:enc:aescbc:v1:key1:" in out
    assert "Pay-Ledger-2025!" not in out


def test_identity_first_still_writes_plaintext(cluster: SimCluster) -> None:
    text = config().decode().replace("      - identity: {}\n", "")
    text = text.replace("    providers:\n", "    providers:\n      - identity: {}\n")
    enable(cluster, text.encode())
    run(cluster, "kubectl replace -f /root/db.yaml")
    assert b"Pay-Ledger-2025!" in stored(cluster)


def test_the_secrets_encrypted_probe_follows_the_stored_bytes(cluster: SimCluster) -> None:
    from app.providers.base import Check

    check = Check(probe="secrets-encrypted", params={})
    before = cluster.probe(check)
    assert not before.ok and "/registry/secrets/default/db" in before.message
    enable(cluster)
    assert not cluster.probe(check).ok
    run(cluster, "kubectl get secrets -A -o json | kubectl replace -f -")
    assert cluster.probe(check).ok


def test_a_snapshot_file_shows_the_secret_until_it_is_encrypted(cluster: SimCluster) -> None:
    tls = ("etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt "
           "--cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key")
    assert run(cluster, f"{tls} snapshot save /root/a.db").exit_code == 0
    assert run(cluster, "grep -a -c 'Pay-Ledger-2025!' /root/a.db").output == "1\n"
    assert run(cluster, f"{tls} snapshot status /root/a.db").exit_code == 0
    enable(cluster)
    run(cluster, "kubectl get secrets -A -o json | kubectl replace -f -")
    run(cluster, f"{tls} snapshot save /root/b.db")
    assert run(cluster, "grep -a -c 'Pay-Ledger-2025!' /root/b.db").output == "0\n"
    # every Secret is sealed: the app's and kubeadm's bootstrap token (-o: the ciphertext may
    # hold newline bytes, so lines are no count of values)
    sealed = run(cluster, "grep -a -o 'k8s:enc:aescbc:v1:key1:' /root/b.db | wc -l").output
    assert int(sealed) == len(cluster.store.list("Secret")) == 2


@pytest.mark.parametrize("provider", ["aesgcm", "secretbox"])
def test_other_providers_write_their_own_prefix_and_no_plaintext(provider: str) -> None:
    tr = encryption.parse("/e.yaml", config(first=provider))
    assert tr["provider"] == provider
    sealed = encryption.seal(tr, b"k8s\x00...Pay-Ledger-2025!", "/registry/secrets/a/b", "7")
    assert sealed.startswith(f"k8s:enc:{provider}:v1:key1:".encode())
    assert b"Pay-Ledger" not in sealed


def test_a_file_under_an_existing_mount_needs_no_new_volume(cluster: SimCluster) -> None:
    vfs = cluster.node("control-plane").vfs
    vfs.write("/etc/kubernetes/pki/enc.yaml", config())
    line = (f"sed -i 's#^    - --tls-private-key-file=.*#&\\n    - --encryption-provider-config="
            f"/etc/kubernetes/pki/enc.yaml#' {MANIFEST}")
    assert run(cluster, line).exit_code == 0
    cluster.advance(60)
    run(cluster, "kubectl replace -f /root/db.yaml")
    assert stored(cluster).startswith(b"k8s:enc:aescbc:v1:key1:")


def test_dropping_the_config_after_encrypting_makes_secrets_unreadable(
        cluster: SimCluster) -> None:
    enable(cluster)
    run(cluster, "kubectl get secrets -A -o json | kubectl replace -f -")
    assert run(cluster, f"sed -i '/--encryption-provider-config/d' {MANIFEST}").exit_code == 0
    cluster.advance(60)
    out = run(cluster, "kubectl get secrets")
    assert out.exit_code == 1
    assert out.output == ('Error from server (InternalError): Internal error occurred: unable to '
                          'transform key "/registry/secrets/default/db": identity transformer '
                          'tried to read encrypted data\n')
    assert run(cluster, "kubectl get configmaps -A").exit_code == 0


def test_a_config_without_the_old_key_cannot_decrypt(cluster: SimCluster) -> None:
    enable(cluster)
    run(cluster, "kubectl replace -f /root/db.yaml")
    other = base64.b64encode(b"k" * 32).decode()
    cluster.node("control-plane").vfs.write(
        "/etc/kubernetes/enc/enc.yaml", config(other).replace(b"name: key1", b"name: key2"))
    # any manifest change restarts it; the new container reads the new file
    run(cluster, f"sed -i 's#^    - --secure-port=6443#&\\n    - --v=2#' {MANIFEST}")
    cluster.advance(60)
    out = run(cluster, "kubectl get secret db")
    assert "no matching key was found for the provided AES transformer" in out.output


def test_the_docs_verification_secret_is_stored_encrypted(cluster: SimCluster) -> None:
    enable(cluster)
    assert run(cluster, "kubectl create secret generic secret1 -n default "
                        "--from-literal=mykey=mydata").exit_code == 0
    value = ec.keyspace(cluster)["/registry/secrets/default/secret1"]
    assert value.startswith(b"k8s:enc:aescbc:v1:key1:") and b"mydata" not in value
