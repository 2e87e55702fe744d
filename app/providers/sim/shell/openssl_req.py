"""`openssl req` (Debian 12's OpenSSL 3.0): certificate requests and self-signed certificates.

What apps/req.c does, in its order: load the config (Debian's /usr/lib/ssl/openssl.cnf unless
-config: `[req] x509_extensions = v3_ca`, `string_mask = utf8only`), make or load the key
(`-newkey rsa:N` prints the key-generation progress and `-----` to stderr, then writes the key
PKCS#8 to -keyout, 0600), build the request from -subj (or a `prompt = no` config section),
add `req_extensions` / -addext, then print -pubkey, -text, -subject, -modulus and the PEM
(unless -noout). -x509 signs the request with its own key instead: serial of 159 random bits,
-days (30 by default), the v3_ca extensions (subject and authority key identifiers, critical
CA:TRUE) plus -addext ones. Every layout is compared with /usr/bin/openssl 3.0 on the same
files in tests/providers/sim/shell/test_openssl_req.py; the error lines are its.
"""

from __future__ import annotations

import posixpath

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.providers.sim.shell import openssl_conf as conf
from app.providers.sim.shell import openssl_keys as keys
from app.providers.sim.shell import openssl_text as text
from app.providers.sim.shell.registry import Invocation, Output
from app.providers.sim.shell.twin import cluster_of
from app.providers.sim.vfs import VFSError

VALUE_OPTS = {"-in", "-out", "-key", "-keyout", "-subj", "-newkey", "-days", "-set_serial",
              "-config", "-addext", "-extensions", "-reqexts", "-keyform", "-inform",
              "-outform", "-passin", "-passout", "-pkeyopt", "-nameopt", "-reqopt", "-sigopt"}
FLAGS = {"-new", "-x509", "-noout", "-text", "-subject", "-pubkey", "-modulus", "-verify",
         "-nodes", "-noenc", "-batch", "-utf8", "-quiet", "-verbose", "-sha256", "-sha384",
         "-sha512", "-sha1"}
# Debian 12's /usr/lib/ssl/openssl.cnf, the parts req reads
DEFAULT_CONF: conf.Config = {
    "default": {}, "req": {"default_bits": "2048", "default_keyfile": "privkey.pem",
                           "distinguished_name": "req_distinguished_name",
                           "attributes": "req_attributes", "x509_extensions": "v3_ca",
                           "string_mask": "utf8only"},
    "v3_ca": {"subjectKeyIdentifier": "hash",
              "authorityKeyIdentifier": "keyid:always,issuer",
              "basicConstraints": "critical,CA:true"},
}
PROMPT = ("You are about to be asked to enter information that will be incorporated\n"
          "into your certificate request.\nWhat you are about to enter is what is called a "
          "Distinguished Name or a DN.\nThere are quite a few fields but you can leave some "
          "blank\nFor some fields there will be a default value,\nIf you enter '.', the field "
          "will be left blank.\n-----\nCountry Name (2 letter code) [AU]:")
# BN_GENCB's marks while two primes are found ('.' a candidate, '+' a test passed, '*' a prime)
PROGRESS = ("..+....+...+.........+.....+" + "+" * 64 + "*..+.......+....+" + "+" * 64 +
            "*....+......+..+" + "+" * 64 + "\n" + ".....+.+...+" + "+" * 64 + "*..+....+" +
            "+" * 64 + "*...+.....+" + "+" * 64 + "\n-----\n")
PASSPHRASE_ERR = (
    "Enter PEM pass phrase:\n"
    "40C74A81E27F0000:error:1400006B:UI routines:UI_process:processing error:../crypto/ui/"
    "ui_lib.c:573:while reading strings\n"
    "40C74A81E27F0000:error:0480006D:PEM routines:PEM_def_callback:problems getting password"
    ":../crypto/pem/pem_lib.c:62:\n"
    "40C74A81E27F0000:error:07880109:common libcrypto routines:do_ui_passphrase:interrupted or"
    " cancelled:../crypto/passphrase.c:184:\n"
    "40C74A81E27F0000:error:1C80009F:Provider routines:p8info_to_encp8:unable to get "
    "passphrase:../providers/implementations/encode_decode/encode_key2any.c:115:\n")


class ReqError(Exception):
    """Stop with these stderr lines and exit code 1."""


def cant_read(path: str) -> str:
    """BIO_new_file's failure to open a file for reading, as apps print it."""
    return (f'Can\'t open "{path}" for reading, No such file or directory\n'
            "4007F001B37F0000:error:80000002:system library:BIO_new_file:No such file or "
            f"directory:../crypto/bio/bss_file.c:67:calling fopen({path}, r)\n"
            "4007F001B37F0000:error:10000080:BIO routines:BIO_new_file:no such file:../crypto/"
            "bio/bss_file.c:75:\n")


def cant_write(path: str) -> str:
    return (f'Can\'t open "{path}" for writing, No such file or directory\n'
            "40B79498AB7F0000:error:80000002:system library:BIO_new_file:No such file or "
            f"directory:../crypto/bio/bss_file.c:67:calling fopen({path}, w)\n"
            "40B79498AB7F0000:error:10000080:BIO routines:BIO_new_file:no such file:../crypto/"
            "bio/bss_file.c:75:\n")


def key_not_found(path: str) -> str:
    return (f"Could not open file or uri for loading private key from {path}\n"
            "40E7DA729E7F0000:error:16000069:STORE routines:ossl_store_get0_loader_int:"
            "unregistered scheme:../crypto/store/store_register.c:237:scheme=file\n"
            "40E7DA729E7F0000:error:80000002:system library:file_open:No such file or "
            "directory:../providers/implementations/storemgmt/file_store.c:267:calling "
            f"stat({path})\n")


def read_file(inv: Invocation, path: str) -> bytes | None:
    try:
        return inv.session.vfs.read(path, inv.session.cwd)
    except VFSError:
        return None


def write_file(inv: Invocation, path: str, data: bytes, mode: int | None = None) -> bool:
    try:
        inv.session.vfs.write(posixpath.join(inv.session.cwd, path), data, mode=mode)
    except VFSError:
        return False
    return True


def load_key_file(inv: Invocation, path: str):  # noqa: ANN201 - RSA or EC private key
    data = read_file(inv, path)
    if data is None:
        raise ReqError(key_not_found(path))
    try:
        return keys.load_key(data)
    except ValueError:
        raise ReqError(f"Could not read private key from {path}\n") from None


def _days(prog: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ReqError(f'{prog}: Can\'t parse "{value}" as a number\n'
                       f"{prog}: Use -help for summary.\n") from None


def _ext_error(err: conf.ConfError, section: str, name: str, value: str) -> str:
    return ("Error checking extensions defined using -addext\n"
            f"4037769B6C7F0000:error:{err}\n"
            "4037769B6C7F0000:error:11000080:X509 V3 routines:X509V3_EXT_nconf_int:error in "
            f"extension:../crypto/x509/v3_conf.c:48:section={section}, name={name}, "
            f"value={value}\n")


def _parse(args: list[str]) -> tuple[dict[str, list[str]], set[str]]:
    values: dict[str, list[str]] = {}
    flags: set[str] = set()
    i = 0
    while i < len(args):
        a = args[i]
        if a in VALUE_OPTS:
            if i + 1 >= len(args):
                raise ReqError(f"req: Option {a} needs a value\nreq: Use -help for summary.\n")
            values.setdefault(a, []).append(args[i + 1])
            i += 2
            continue
        if a in FLAGS:
            flags.add(a)
        elif a.startswith("-"):
            raise ReqError(f"req: Unknown option or message digest: {a[1:]}\n"
                           "req: Use -help for summary.\n")
        else:
            raise ReqError(f"req: Extra option: \"{a}\"\nreq: Use -help for summary.\n")
        i += 1
    return values, flags


def _new_key(inv: Invocation, spec: str, flags: set[str], keyout: str) -> tuple[object, str]:
    """-newkey rsa:N | ec -pkeyopt ...: the key, and the progress lines req prints."""
    alg, _, bits = spec.partition(":")
    if alg == "rsa" or alg.isdigit():
        n = int(bits or (alg if alg.isdigit() else "2048")) if (bits or alg).isdigit() else -1
        if n < 512:
            raise ReqError(f'req: Can\'t parse "{bits}" as a number\n' if n < 0 else
                           "Error generating RSA key\n")
        if n > 4096:
            raise ReqError("req: keys over 4096 bits are not generated on this training "
                           "node\n")
        key: object = keys.new_rsa(n)
        progress = PROGRESS
    elif alg == "ec":
        key = keys.new_ec(ec.SECP256R1())
        progress = "-----\n"
    else:
        raise ReqError(f"Unknown algorithm {alg}\nreq: Error generating key\n")
    if not {"-nodes", "-noenc"} & flags:
        raise ReqError(progress + PASSPHRASE_ERR)
    if not write_file(inv, keyout, keys.pkcs8_pem(key), mode=0o600):  # type: ignore[arg-type]
        raise ReqError(progress + cant_write(keyout))
    return key, progress


def _subject(values: dict[str, list[str]], cfg: conf.Config) -> tuple[x509.Name, str]:
    if "-subj" in values:
        got = conf.parse_subj(values["-subj"][-1])
        if got.error or got.name is None:
            raise ReqError((got.error or "") + "\n")
        return got.name, "".join(w + "\n" for w in got.warnings)
    req = cfg.get("req", {})
    if req.get("prompt", "").strip().lower() == "no":
        return conf.dn_from_config(cfg, req.get("distinguished_name", "")), ""
    raise ReqError(PROMPT + "Error making certificate request\n")


def _extensions(values: dict[str, list[str]], cfg: conf.Config, x509_mode: bool
                ) -> list[conf.ExtSpec]:
    req = cfg.get("req", {})
    section = (values.get("-extensions") or values.get("-reqexts") or [None])[-1] or \
        req.get("x509_extensions" if x509_mode else "req_extensions")
    specs: list[conf.ExtSpec] = []
    if section:
        try:
            specs = conf.extension_section(cfg, section)
        except conf.ConfError as err:
            raise ReqError(f"{err}\n" if str(err).startswith("Error") else
                           f"Error checking extension section {section}\n") from None
    for raw in values.get("-addext", []):
        name, _, value = raw.partition("=")
        try:
            spec = conf.addext(cfg, raw)
        except conf.ConfError as err:
            raise ReqError(_ext_error(err, "default", name.strip(), value.strip())) from None
        specs = [s for s in specs if s.name != spec.name] + [spec]
    return specs


def _build_csr(subject: x509.Name, key, specs: list[conf.ExtSpec]  # noqa: ANN001
               ) -> x509.CertificateSigningRequest:
    b = x509.CertificateSigningRequestBuilder().subject_name(subject)
    for spec in specs:
        value = spec.value if spec.value is not None else (
            x509.SubjectKeyIdentifier.from_public_key(key.public_key())
            if spec.name == "subjectKeyIdentifier" else None)
        if value is not None:
            b = b.add_extension(value, critical=spec.critical)
    return b.sign(key, hashes.SHA256())


def load_csr(inv: Invocation, path: str | None) -> x509.CertificateSigningRequest:
    data = inv.stdin.encode() if path is None else read_file(inv, path)
    if data is None:
        raise ReqError(cant_read(path or "") + "Unable to load X509 request\n")
    start = data.find(b"-----BEGIN CERTIFICATE REQUEST-----")
    try:
        if start < 0:
            raise ValueError("no request")
        return x509.load_pem_x509_csr(data[start:])
    except ValueError:
        raise ReqError("Unable to load X509 request\n"
                       "40E7C85D997F0000:error:0480006C:PEM routines:get_name:no start line:"
                       "../crypto/pem/pem_lib.c:760:Expecting: CERTIFICATE REQUEST\n") from None


def csr_signature_ok(csr: x509.CertificateSigningRequest) -> bool:
    try:
        return csr.is_signature_valid
    except (InvalidSignature, ValueError):
        return False


def req(inv: Invocation, args: list[str]) -> Output:
    try:
        return _req(inv, args)
    except ReqError as err:
        return Output("", str(err), 1)


def _req(inv: Invocation, args: list[str]) -> Output:  # noqa: C901, PLR0912, PLR0915
    values, flags = _parse(args)
    last = {k: v[-1] for k, v in values.items()}
    cfg = DEFAULT_CONF
    if "-config" in last:
        data = read_file(inv, last["-config"])
        if data is None:
            raise ReqError(cant_read(last["-config"]))
        cfg = conf.parse_config(data.decode(errors="replace"))
    days = _days("req", last["-days"]) if "-days" in last else 30
    x509_mode = "-x509" in flags
    err = ""
    key = None
    if "-newkey" in last:
        keyout = last.get("-keyout") or cfg.get("req", {}).get("default_keyfile", "privkey.pem")
        key, err = _new_key(inv, last["-newkey"], flags, keyout)
    elif "-key" in last:
        key = load_key_file(inv, last["-key"])
    new = "-new" in flags or "-newkey" in last or (x509_mode and "-in" not in last)
    if new and key is None:
        bits = cfg.get("req", {}).get("default_bits", "2048")
        keyout = last.get("-keyout") or cfg.get("req", {}).get("default_keyfile", "privkey.pem")
        key, err = _new_key(inv, f"rsa:{bits}", flags, keyout)
    out: list[str] = []
    if new:
        subject, warnings = _subject(values, cfg)
        err += warnings
        specs = _extensions(values, cfg, x509_mode)
        if x509_mode:
            cert = keys.sign_certificate(
                subject=subject, public_key=key.public_key(), issuer_name=subject,  # type: ignore[union-attr]
                signer=key, issuer=None,  # type: ignore[arg-type]
                serial=int(last["-set_serial"], 0) if "-set_serial" in last
                else keys.random_serial(),
                t=cluster_of(inv).t, days=days, extensions=specs, defaults=False)
            obj: x509.Certificate | x509.CertificateSigningRequest = cert
        else:
            obj = _build_csr(subject, key, specs)
    else:
        obj = load_csr(inv, last.get("-in"))
        if x509_mode:
            raise ReqError("req: -x509 with -in is not supported on this training node; "
                           "use openssl x509 -req\n")
    if "-verify" in flags and isinstance(obj, x509.CertificateSigningRequest):
        if csr_signature_ok(obj):
            err += "Certificate request self-signature verify OK\n"
        else:
            err += "Certificate request self-signature verify failure\n"
            return Output("", err, 1)
    public = obj.public_key()
    if "-pubkey" in flags:
        out.append(public.public_bytes(serialization.Encoding.PEM,
                                       serialization.PublicFormat.SubjectPublicKeyInfo).decode())
    if "-text" in flags:
        if isinstance(obj, x509.Certificate):
            from app.providers.sim.shell.openssl import text_dump

            out.append(text_dump(obj))
        else:
            out.append(text.csr_text(obj))
    if "-subject" in flags:
        out.append(f"subject={text.oneline(obj.subject)}\n")
    if "-modulus" in flags:
        line = text.modulus_line(public)
        out.append(f"{line}\n" if line else "Modulus=unavailable\n")
    if "-noout" not in flags:
        out.append(obj.public_bytes(serialization.Encoding.PEM).decode())
    if "-out" in last:  # everything req prints goes to its output BIO
        if not write_file(inv, last["-out"], "".join(out).encode()):
            return Output("", err + cant_write(last["-out"]), 1)
        return Output("", err, 0)
    # req reports on stderr (progress, warnings, verify) before it prints anything
    return Output.ordered([(2, err), (1, "".join(out))])
