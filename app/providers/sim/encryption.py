"""Encryption at rest: kube-apiserver's `--encryption-provider-config` and what etcd then holds.

The apiserver reads the EncryptionConfiguration once, at start
(`staging/src/k8s.io/apiserver/pkg/server/options/encryptionconfig/config.go` `loadConfig`,
`validation/validation.go`); an unreadable or invalid file is fatal. The file is read inside the
container, so it must sit under one of the pod's hostPath mounts.

The first provider listed for `secrets` encrypts every Secret *written* from then on; what was
written before stays as it was (plaintext under `identity`) until it is written again, e.g.
`kubectl get secrets -A -o json | kubectl replace -f -`. The twin keeps, in etcd's state, the
store revision from which each write transformer applied: a Secret's bytes in etcd follow the
transformer in force at its resourceVersion.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import posixpath
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from app.providers.sim.cluster import SimCluster, SimNode
    from app.providers.sim.runtime import Container

FLAG = "encryption-provider-config"
API_VERSION = "apiserver.config.k8s.io/v1"
PROVIDERS = ("kms", "aesgcm", "aescbc", "secretbox", "identity")
AES_KEY_SIZES = (16, 24, 32)
IDENTITY: dict[str, Any] = {"provider": "identity"}


class ConfigError(Exception):
    """The error kube-apiserver exits with (`"command failed" err="..."`)."""


def container_path(node: SimNode, c: Container, path: str) -> str | None:
    """The node path a container sees at `path`, or None when no hostPath mount covers it."""
    pod = node.kubelet.pods.get(c.pod_uid)
    spec = pod.spec if pod is not None else {}
    volumes = {v.get("name"): (v.get("hostPath") or {}).get("path")
               for v in spec.get("volumes", []) or []}
    norm = posixpath.normpath(path)
    best: tuple[int, str] | None = None
    for container in spec.get("containers", []) or []:
        if container.get("name") != c.name:
            continue
        for m in container.get("volumeMounts", []) or []:
            mount, host = (m.get("mountPath") or "").rstrip("/"), volumes.get(m.get("name"))
            if not host or not mount:
                continue
            covers = norm == mount or norm.startswith(mount + "/")
            if covers and (best is None or len(mount) > best[0]):
                best = (len(mount), host.rstrip("/") + norm[len(mount):])
    return best[1] if best else None


def _field_error(path: str, kind: str, detail: str, value: str = "") -> str:
    if kind == "Required":
        return f"{path}: Required value: {detail}"
    return f'{path}: Invalid value: "{value}": {detail}'


def _validate(cfg: dict[str, Any]) -> list[str]:
    """validation.ValidateEncryptionConfiguration, for the providers the twin knows."""
    errs: list[str] = []
    resources = cfg.get("resources") or []
    if not resources:
        return [_field_error("resources", "Required", "at least one resources is required")]
    for i, rc in enumerate(resources):
        r, p = f"resources[{i}].resources", f"resources[{i}].providers"
        if not (rc or {}).get("resources"):
            errs.append(_field_error(r, "Required", f"at least one {r} is required"))
        providers = (rc or {}).get("providers") or []
        if not providers:
            errs.append(_field_error(p, "Required", f"at least one {p} is required"))
        for j, prov in enumerate(providers):
            path = f"{p}[{j}]"
            found = [k for k in PROVIDERS if (prov or {}).get(k) is not None]
            if not found:
                errs.append(f"{path}: Invalid value: {_go_value(prov)}: provider does not contain "
                            "any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, "
                            "Identity")
                continue
            if len(found) > 1:
                errs.append(f"{path}: Invalid value: {_go_value(prov)}: more than one provider "
                            "specified in a single element, should split into different list "
                            "elements")
                continue
            name = found[0]
            if name in ("aesgcm", "aescbc", "secretbox"):
                sizes = AES_KEY_SIZES if name != "secretbox" else (32,)
                errs += _validate_keys((prov[name] or {}).get("keys") or [],
                                       f"{path}.{name}.keys", sizes)
    return errs


def _go_value(v: object) -> str:
    return "config.ProviderConfiguration{...}" if isinstance(v, dict) else f'"{v}"'


def _validate_keys(keys: list[Any], path: str, sizes: tuple[int, ...]) -> list[str]:
    if not keys:
        return [_field_error(path, "Required", "at least one keys is required")]
    errs: list[str] = []
    for i, key in enumerate(keys):
        key = key or {}
        kp = f"{path}[{i}]"
        if not key.get("name"):
            errs.append(_field_error(f"{kp}.name", "Required", "name is a mandatory field for a "
                                                               "key"))
        secret = str(key.get("secret") or "")
        if not secret:
            errs.append(_field_error(f"{kp}.secret", "Required", "secret is a mandatory field "
                                                                 "for a key"))
            continue
        try:
            raw = base64.b64decode(secret, validate=True)
        except (binascii.Error, ValueError):
            errs.append(_field_error(f"{kp}.secret", "Invalid", "secrets must be base64 encoded",
                                     "REDACTED"))
            continue
        if len(raw) not in sizes:
            errs.append(_field_error(f"{kp}.secret", "Invalid",
                                     f"secret is not of the expected length, got {len(raw)}, "
                                     f"expected one of [{' '.join(map(str, sizes))}]",
                                     "REDACTED"))
    return errs


def parse(path: str, data: bytes | None) -> dict[str, Any]:
    """The write transformer for secrets, from the file's bytes (None: the file is missing)."""
    if data is None:
        raise ConfigError(f'error while parsing file: error while loading file: error reading '
                          f'encryption provider configuration file "{path}": open {path}: no '
                          'such file or directory')
    if not data:
        raise ConfigError(f'error while parsing file: error while loading file: encryption '
                          f'provider configuration file "{path}" is empty')
    decoding = f'error while parsing file: error decoding encryption provider configuration ' \
               f'file "{path}": '
    try:
        cfg = yaml.safe_load(data.decode("utf-8", "replace"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(decoding + f"error converting YAML to JSON: yaml: {line}{problem}") \
            from None
    if not isinstance(cfg, dict) or "kind" not in cfg:
        raise ConfigError(decoding + "Object 'Kind' is missing in '" +
                          data.decode("utf-8", "replace").strip() + "'")
    if cfg.get("apiVersion") != API_VERSION or cfg.get("kind") != "EncryptionConfiguration":
        raise ConfigError(decoding + f'no kind "{cfg.get("kind")}" is registered for version '
                                     f'"{cfg.get("apiVersion")}" in scheme '
                                     '"pkg/runtime/scheme.go:100"')
    errs = _validate(cfg)
    if errs:
        raise ConfigError("error while parsing file: " +
                          (errs[0] if len(errs) == 1 else "[" + ", ".join(errs) + "]"))
    for rc in cfg["resources"]:
        if not any(r in ("secrets", "*.", "*.*") for r in rc.get("resources") or []):
            continue
        read: list[dict[str, Any]] = []
        for prov in rc["providers"]:
            name = next(k for k in PROVIDERS if prov.get(k) is not None)
            if name in ("identity", "kms"):
                read.append({"provider": name})
                continue
            read += [{"provider": name, "key": str(k["name"]), "secret": str(k["secret"])}
                     for k in prov[name]["keys"]]
        return {**read[0], "read": read}
    return dict(IDENTITY)


def load(node: SimNode, c: Container, path: str) -> dict[str, Any]:
    """Read the config as the container sees it; ConfigError when kube-apiserver would exit."""
    host = container_path(node, c, path)
    data = None
    if host is not None:
        try:
            data = node.vfs.read(host)
        except Exception:  # noqa: BLE001 - a missing or unreadable file reads as missing
            data = None
    return parse(path, data)


# --- what etcd holds -------------------------------------------------------------------------

def _eras(cluster: SimCluster) -> list[dict[str, Any]]:
    from app.providers.sim import etcd_cluster as ec

    return ec.state(cluster).setdefault("encryption", [])


def activate(cluster: SimCluster, transformer: dict[str, Any]) -> None:
    """An apiserver started serving with `transformer`: writes after now use it."""
    eras = _eras(cluster)
    current = eras[-1]["transformer"] if eras else IDENTITY
    write = {k: v for k, v in transformer.items() if k != "read"}
    if current != write:
        eras.append({"from": cluster.store.revision, "transformer": write})
    from app.providers.sim import etcd_cluster as ec

    ec.state(cluster)["encryption_read"] = transformer.get("read")


def read_error(cluster: SimCluster, obj: dict[str, Any]) -> str | None:
    """Why the serving apiserver cannot read `obj` back from etcd (None: it can).

    Without a config the storage uses identity's encrypt-check transformer; with one, the
    listed providers are tried by prefix, then by key name (value.NewPrefixTransformers).
    """
    if obj.get("kind") != "Secret":
        return None
    from app.providers.sim import etcd_cluster as ec

    readers = ec.state(cluster).get("encryption_read")
    tr = transformer_of(cluster, obj)
    if readers is None:  # no --encryption-provider-config
        return None if tr["provider"] == "identity" else \
            "identity transformer tried to read encrypted data"
    if tr["provider"] == "identity":
        ok = any(r["provider"] == "identity" for r in readers)
        return None if ok else "no matching prefix found"
    same = [r for r in readers if r["provider"] == tr["provider"]]
    if not same:
        return "no matching prefix found"
    if tr["provider"] == "kms":
        return None
    named = [r for r in same if r.get("key") == tr.get("key")]
    if not named:
        kind = "Secretbox" if tr["provider"] == "secretbox" else "AES"
        return f"no matching key was found for the provided {kind} transformer"
    if any(r.get("secret") == tr.get("secret") for r in named):
        return None
    return {"aescbc": "invalid padding on input", "aesgcm": "cipher: message authentication "
            "failed"}.get(tr["provider"], "output array was not large enough for encryption")


def current(cluster: SimCluster) -> dict[str, Any]:
    eras = _eras(cluster)
    return eras[-1]["transformer"] if eras else IDENTITY


def transformer_of(cluster: SimCluster, obj: dict[str, Any]) -> dict[str, Any]:
    """The transformer that was in force when `obj` was last written."""
    if obj.get("kind") != "Secret":
        return IDENTITY
    rv = int(obj.get("metadata", {}).get("resourceVersion") or 0)
    out = IDENTITY
    for era in _eras(cluster):
        if rv > era["from"]:
            out = era["transformer"]
    return out


def stale(cluster: SimCluster, obj: dict[str, Any]) -> bool:
    """The storage layer reports the object stale: rewriting it changes its bytes in etcd."""
    return obj.get("kind") == "Secret" and transformer_of(cluster, obj) != current(cluster)


def at_rest(cluster: SimCluster, obj: dict[str, Any], plain: bytes, key: str) -> bytes:
    """The bytes etcd holds for `obj` whose storage encoding is `plain`."""
    tr = transformer_of(cluster, obj)
    if tr["provider"] == "identity":
        return plain
    if tr["provider"] == "kms":
        return b"k8s:enc:kms:v2:kms:" + hashlib.sha256(plain).digest()
    return seal(tr, plain, key, str(obj["metadata"].get("resourceVersion", "")))


def seal(tr: dict[str, Any], plain: bytes, key: str, salt: str) -> bytes:
    """`k8s:enc:<provider>:v1:<keyname>:` + ciphertext, as the aes/secretbox transformers write."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

    secret = base64.b64decode(tr["secret"])
    nonce = hashlib.sha256(f"{tr['key']}|{key}|{salt}".encode() + plain).digest()
    prefix = f"k8s:enc:{tr['provider']}:v1:{tr['key']}:".encode()
    if tr["provider"] == "aescbc":
        iv = nonce[:16]
        padder = padding.PKCS7(128).padder()
        body = padder.update(plain) + padder.finalize()
        enc = Cipher(algorithms.AES(secret), modes.CBC(iv)).encryptor()
        return prefix + iv + enc.update(body) + enc.finalize()
    if tr["provider"] == "aesgcm":
        return prefix + nonce[:12] + AESGCM(secret).encrypt(nonce[:12], plain, key.encode())
    # secretbox (XSalsa20-Poly1305): a 24-byte nonce then the sealed box; the twin seals with
    # ChaCha20-Poly1305 under the same key, which is as unreadable without it.
    return prefix + nonce[:24] + ChaCha20Poly1305(secret).encrypt(nonce[:12], plain, None)


def start(ctx: Any, c: Container) -> bool:
    """At kube-apiserver start: load the config named by the flag into the container's notes;
    False (after logging the fatal error and planning the exit) when it cannot be used."""
    from app.providers.sim.components.base import flag_values, klog

    path = flag_values(c.command).get(FLAG)
    if path is None:
        c.notes["encryption"] = {**IDENTITY, "read": None}
        return True
    try:
        c.notes["encryption"] = load(ctx.node, c, path)
    except ConfigError as err:
        t = ctx.t + 0.3
        msg = str(err).replace("\\", "\\\\").replace('"', '\\"')
        c.logs.append((t, "stderr", klog(t, "E", "run.go:72", f'"command failed" err="{msg}"')))
        c.exit_at, c.planned_exit_code = t + 0.05, 1
        return False
    return True
