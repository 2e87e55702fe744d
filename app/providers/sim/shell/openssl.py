"""`openssl x509|verify|s_client|genrsa` (Debian 12's OpenSSL 3.0) on the twin's certificates.

Print options are answered in command-line order, as apps/x509.c does; `-text` follows
crypto/x509/t_x509.c (X509_print_ex) for the RSA/EC keys and the extensions kubeadm and the
kubelet write. Every format is checked byte for byte against /usr/bin/openssl 3.0 on the same
PEM bytes (tests/providers/sim/shell/test_openssl.py). `s_client` prints a short honest
summary of the peer certificate, not the full handshake transcript.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from app.providers.sim import pki
from app.providers.sim.shell.openssl_text import ext_lines, modulus_line, oneline
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.twin import cluster_of
from app.providers.sim.vfs import VFSError

PRINT_OPTS = {"-dates", "-enddate", "-startdate", "-subject", "-issuer", "-serial"}


def openssl_time(dt: datetime) -> str:
    """ASN1_TIME_print: `%b %e %H:%M:%S %Y GMT` (space-padded day)."""
    d = dt.astimezone(UTC)
    return f"{d:%b} {d.day:>2} {d:%H:%M:%S} {d.year} GMT"


def _hexlines(data: bytes, per_line: int, indent: int) -> list[str]:
    pairs = [f"{b:02x}" for b in data]
    lines = []
    for i in range(0, len(pairs), per_line):
        chunk = ":".join(pairs[i:i + per_line])
        last = i + per_line >= len(pairs)
        lines.append(" " * indent + chunk + ("" if last else ":"))
    return lines


def _int_bytes(n: int, pad_sign: bool) -> bytes:
    raw = n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")
    return b"\0" + raw if pad_sign and raw[0] & 0x80 else raw


def _serial_lines(serial: int) -> list[str]:
    raw = _int_bytes(serial, pad_sign=False)
    if len(raw) <= 8 and serial < 2**63:
        return [f"        Serial Number: {serial} (0x{serial:x})"]
    return ["        Serial Number:", " " * 12 + ":".join(f"{b:02x}" for b in raw)]


def _key_lines(cert: x509.Certificate) -> list[str]:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        nums = key.public_numbers()
        return ["            Public Key Algorithm: rsaEncryption",
                f"                Public-Key: ({key.key_size} bit)", "                Modulus:",
                *_hexlines(_int_bytes(nums.n, pad_sign=True), 15, 20),
                f"                Exponent: {nums.e} (0x{nums.e:x})"]
    if isinstance(key, ec.EllipticCurvePublicKey):
        point = key.public_bytes(serialization.Encoding.X962,
                                 serialization.PublicFormat.UncompressedPoint)
        curve = {"secp256r1": ("prime256v1", "P-256"), "secp384r1": ("secp384r1", "P-384")}
        oid, nist = curve.get(key.curve.name, (key.curve.name, ""))
        return ["            Public Key Algorithm: id-ecPublicKey",
                f"                Public-Key: ({key.curve.key_size} bit)", "                pub:",
                *_hexlines(point, 15, 20), f"                ASN1 OID: {oid}",
                f"                NIST CURVE: {nist}"]
    return ["            Public Key Algorithm: unknown"]


def _ext_lines(cert: x509.Certificate) -> list[str]:
    return ext_lines(cert.extensions)


def text_dump(cert: x509.Certificate) -> str:
    """X509_print_ex with openssl 3.0's default flags (what `openssl x509 -text` prints)."""
    info = pki.cert_info(cert.public_bytes(serialization.Encoding.PEM))
    lines = ["Certificate:", "    Data:",
             f"        Version: {cert.version.value + 1} (0x{cert.version.value:x})",
             *_serial_lines(cert.serial_number),
             f"        Signature Algorithm: {info.signature_algorithm}",
             f"        Issuer: {oneline(cert.issuer)}", "        Validity",
             f"            Not Before: {openssl_time(info.not_before)}",
             f"            Not After : {openssl_time(info.not_after)}",
             f"        Subject: {oneline(cert.subject)}", "        Subject Public Key Info:",
             *_key_lines(cert)]
    exts = _ext_lines(cert)
    if exts:
        lines += ["        X509v3 extensions:", *exts]
    lines += [f"    Signature Algorithm: {info.signature_algorithm}", "    Signature Value:",
              *_hexlines(cert.signature, 18, 8)]
    return "\n".join(lines) + "\n"


def _x509(inv: Invocation, args: list[str]) -> Output:
    if "-req" in args:  # sign a request: openssl_sign.py
        from app.providers.sim.shell.openssl_sign import sign_request

        return sign_request(inv, args)
    path, noout, order, ext, checkend = None, False, [], None, None
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-in", "-ext", "-checkend", "-inform", "-nameopt", "-certopt") and \
                i + 1 >= len(args):
            return Output("", f"x509: Option {a} needs a value\n"
                              "x509: Use -help for summary.\n", 1)
        if a == "-in":
            path, i = args[i + 1], i + 2
            continue
        if a == "-ext":
            ext, i = args[i + 1], i + 2
            order.append("-ext")
            continue
        if a == "-checkend":
            checkend, i = args[i + 1], i + 2
            order.append("-checkend")
            continue
        if a in ("-inform", "-nameopt", "-certopt"):
            i += 2
            continue
        if a == "-noout":
            noout = True
        elif a in PRINT_OPTS or a in ("-text", "-modulus", "-pubkey"):
            order.append(a)
        else:
            return Output("", f"x509: Unknown option: {a}\nx509: Use -help for summary.\n", 1)
        i += 1
    if path is None:
        data = inv.stdin.encode()
        shown = "<stdin>"
    else:
        try:
            data = inv.session.vfs.read(path, inv.session.cwd)
        except VFSError as err:
            return Output("", f"Could not open file or uri for loading certificate from {path}\n"
                              f"40F7B1A1E07F0000:error:16000069:STORE routines:ossl_store_get0_"
                              f"loader_int:unregistered scheme:../crypto/store/store_register.c"
                              f":237:scheme=file\n40F7B1A1E07F0000:error:80000002:system "
                              f"library:file_open:{err}:../providers/implementations/storemgmt/"
                              f"file_store.c:267:calling stat({path})\n", 1)
        shown = path
    try:
        cert = pki.load_cert(data)
    except ValueError:
        return Output("", f"Could not read certificate from {shown}\n"
                          "Unable to load certificate\n", 1)
    info = pki.cert_info(data)
    out: list[str] = []
    err = ""
    code = 0
    for opt in order:
        if opt == "-text":
            out.append(text_dump(cert).rstrip("\n"))
        elif opt == "-dates":
            out += [f"notBefore={openssl_time(info.not_before)}",
                    f"notAfter={openssl_time(info.not_after)}"]
        elif opt == "-startdate":
            out.append(f"notBefore={openssl_time(info.not_before)}")
        elif opt == "-enddate":
            out.append(f"notAfter={openssl_time(info.not_after)}")
        elif opt == "-subject":
            out.append(f"subject={oneline(cert.subject)}")
        elif opt == "-issuer":
            out.append(f"issuer={oneline(cert.issuer)}")
        elif opt == "-serial":
            out.append(f"serial={info.serial_hex}")
        elif opt == "-modulus":
            out.append(modulus_line(cert.public_key()) or
                       "Modulus=No modulus for this public key type")
        elif opt == "-pubkey":
            out.append(cert.public_key().public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo).decode().rstrip("\n"))
        elif opt == "-ext" and ext == "subjectAltName" and info.san:
            out += ["X509v3 Subject Alternative Name: ", "    " + ", ".join(info.san)]
        elif opt == "-ext" and ext == "subjectAltName":
            err += "No extensions in certificate\n"  # apps/x509.c: to bio_err
        elif opt == "-checkend":
            try:
                secs = int(checkend or "")
            except ValueError:
                return Output("", f"x509: Invalid number \"{checkend}\" for option -checkend\n"
                                  "x509: Use -help for summary.\n", 1)
            expires = info.not_after.timestamp() < cluster_of(inv).t + secs
            out.append("Certificate will expire" if expires else "Certificate will not expire")
            code = 1 if expires else 0
    text = "".join(line + "\n" for line in out)
    if not noout and "-checkend" not in order:
        text += cert.public_bytes(serialization.Encoding.PEM).decode()
    return Output(text, err, code)


VERIFY_ERRORS = {9: "certificate is not yet valid", 10: "certificate has expired",
                 20: "unable to get local issuer certificate",
                 21: "unable to verify the first certificate"}


def _verify_code(cert_pem: bytes, cas: list[bytes], t: float) -> int:
    """X509_verify_cert's first error for a leaf and a trust store: 0 when it verifies."""
    issuer = next((ca for ca in cas if pki.verify_chain(cert_pem, ca)), None)
    if issuer is None:
        return 20
    when = datetime.fromtimestamp(int(t), UTC)
    for pem in (issuer, cert_pem):  # internal_verify walks from the trust anchor down
        not_before, not_after = pki.cert_validity(pem)
        if when < not_before:
            return 9
        if when > not_after:
            return 10
    return 0


def _ca_bundle(data: bytes) -> list[bytes]:
    return [m.group(0) for m in pki._PEM_BLOCK.finditer(data)  # noqa: SLF001
            if m.group(1) == b"CERTIFICATE"]


def _verify(inv: Invocation, args: list[str]) -> Output:
    cafile, files, i = None, [], 0
    while i < len(args):
        if args[i] == "-CAfile" and i + 1 < len(args):
            cafile, i = args[i + 1], i + 2
            continue
        files.append(args[i])
        i += 1
    vfs, cwd = inv.session.vfs, inv.session.cwd
    cas: list[bytes] = []
    if cafile is not None:
        try:
            cas = _ca_bundle(vfs.read(cafile, cwd))
        except VFSError:
            return Output("", f"Error loading file {cafile}\n", 1)
    out, err, code = [], [], 0
    for f in files:
        try:
            pem = vfs.read(f, cwd)
            pki.load_cert(pem)
        except (VFSError, ValueError):
            err.append(f"Could not open file or uri for loading certificate from {f}\n")
            code = 2
            continue
        result = _verify_code(pem, cas, cluster_of(inv).t)
        if result == 0:
            out.append(f"{f}: OK\n")
            continue
        err.append(f"{pki.cert_info(pem).subject}\nerror {result} at 0 depth lookup: "
                   f"{VERIFY_ERRORS[result]}\nerror {f}: verification failed\n")
        code = 2
    return Output("".join(out), "".join(err), code)


def _peer_cert(inv: Invocation, host: str, port: int) -> bytes | None:
    """The certificate the program listening on host:port presents, if any listens."""
    from app.providers.sim import tls
    from app.providers.sim.components.base import flag_values

    cluster = cluster_of(inv)
    node = cluster.node_by_host(host, cluster.node(inv.session.node))
    if node is None or not node.powered:
        return None
    if port == 6443:
        api = node.running_container("kube-apiserver")
        return tls.loaded(api.notes, "serving_cert") if api and api.ready(cluster.t) else None
    if port in (2379, 2380):
        etcd = node.running_container("etcd")
        if etcd is None or not etcd.ready(cluster.t):
            return None
        flag = "cert-file" if port == 2379 else "peer-cert-file"
        return tls.read_pem(node, flag_values(etcd.command).get(flag, ""))
    if port == 10250 and node.kubelet_running():
        return tls.read_pem(node, "/var/lib/kubelet/pki/kubelet.crt")
    return None


def _s_client(inv: Invocation, args: list[str]) -> Output:
    target, cafile, i = None, None, 0
    while i < len(args):
        if args[i] in ("-connect", "-CAfile", "-servername") and i + 1 < len(args):
            if args[i] == "-connect":
                target = args[i + 1]
            elif args[i] == "-CAfile":
                cafile = args[i + 1]
            i += 2
            continue
        i += 1
    host, _, port_s = (target or "localhost:443").rpartition(":")
    try:
        port = int(port_s)
    except ValueError:
        return Output("", "s_client: -connect argument or target parameter malformed or "
                          "ambiguous\n", 1)
    pem = _peer_cert(inv, host or "localhost", port)
    if pem is None:
        return Output("", "40F7B1A1E07F0000:error:8000006F:system library:BIO_connect:"
                          "Connection refused:../crypto/bio/bio_sock2.c:114:calling connect()\n"
                          "40F7B1A1E07F0000:error:10000067:BIO routines:BIO_connect:connect "
                          "error:../crypto/bio/bio_sock2.c:116:\nconnect:errno=111\n", 1)
    cas: list[bytes] = []
    if cafile:
        try:
            cas = _ca_bundle(inv.session.vfs.read(cafile, inv.session.cwd))
        except VFSError:
            cas = []
    info = pki.cert_info(pem)
    code = _verify_code(pem, cas, cluster_of(inv).t)
    # The verify callback's lines go to stderr (apps/lib/s_cb.c verify_callback).
    err = []
    if code == 20:  # no trust anchor: 20, then 21 for the leaf, then the leaf again
        err += [f"depth=0 {info.subject}", "verify error:num=20:unable to get local issuer "
                "certificate", "verify return:1", f"depth=0 {info.subject}",
                "verify error:num=21:unable to verify the first certificate", "verify return:1"]
        code = 21
    else:
        err += [f"depth=1 {info.issuer}", "verify return:1"]
        if code:
            err += [f"depth=0 {info.subject}", f"verify error:num={code}:{VERIFY_ERRORS[code]}"]
            if code == 10:
                err.append(f"notAfter={openssl_time(info.not_after)}")
            err.append("verify return:1")
    err += [f"depth=0 {info.subject}", "verify return:1", "DONE"]
    cert = pki.load_cert(pem)
    key = cert.public_key()
    alg = f"rsaEncryption, {key.key_size}" if isinstance(key, rsa.RSAPublicKey) else \
        f"id-ecPublicKey, {getattr(key, 'key_size', 256)}"
    verdict = "Verification: OK" if code == 0 else f"Verification error: {VERIFY_ERRORS[code]}"
    lines = ["CONNECTED(00000003)", "---", "Certificate chain",
             f" 0 s:{info.subject}", f"   i:{info.issuer}",
             f"   a:PKEY: {alg} (bit); sigalg: RSA-SHA256",
             f"   v:NotBefore: {openssl_time(info.not_before)}; NotAfter: "
             f"{openssl_time(info.not_after)}", "---", "Server certificate",
             cert.public_bytes(serialization.Encoding.PEM).decode().rstrip("\n"),
             f"subject={info.subject}", f"issuer={info.issuer}", "---", verdict, "---",
             f"Verify return code: {code} ({VERIFY_ERRORS.get(code, 'ok')})", "---"]
    return Output("\n".join(lines) + "\n", "\n".join(err) + "\n")


@command("openssl")
def openssl(inv: Invocation) -> Output:
    if not inv.args:
        return Output("", "", 0)
    sub = inv.args[0]
    if sub == "version":
        return Output("OpenSSL 3.0.17 1 Jul 2025 (Library: OpenSSL 3.0.17 1 Jul 2025)\n")
    if sub == "x509":
        return _x509(inv, inv.args[1:])
    if sub == "verify":
        return _verify(inv, inv.args[1:])
    if sub == "s_client":
        return _s_client(inv, inv.args[1:])
    if sub == "req":
        from app.providers.sim.shell.openssl_req import req

        return req(inv, inv.args[1:])
    if sub in ("pkey", "ec"):
        from app.providers.sim.shell.openssl_pkey import ec_cmd, pkey

        return (pkey if sub == "pkey" else ec_cmd)(inv, inv.args[1:])
    if sub == "rsa":
        from app.providers.sim.shell.openssl_rsa import rsa_cmd

        return rsa_cmd(inv, inv.args[1:])
    if sub in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512", "dgst"):
        from app.providers.sim.shell.openssl_rsa import digest_cmd

        return digest_cmd(inv, sub, inv.args[1:])
    if sub == "genrsa":
        from app.providers.sim.shell.openssl_genrsa import genrsa

        return genrsa(inv, inv.args[1:])
    return Output("", f"openssl: {sub} is not available on this node\n", 1)
