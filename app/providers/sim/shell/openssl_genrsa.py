"""`openssl genrsa` (Debian 12's OpenSSL 3.0): a new RSA key, PKCS#8 PEM unless -traditional.

Checked against /usr/bin/openssl 3.0 on the build host: silent on success; the key file is
created 0600 (apps use bio_open_owner for private keys); `Can't parse "x" as a number`,
`Extra arguments given.`, `Error setting RSA length` for fewer than 512 bits, `Can't open
"F" for writing, No such file or directory`, and exit code 1 on every error. A new key draws
randomness, so the twin saves a snapshot after such a line (app/providers/sim/entropy.py).
"""

from __future__ import annotations

import math
import posixpath
import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.providers.sim import entropy
from app.providers.sim.shell.registry import Invocation, Output
from app.providers.sim.vfs import VFSError

USAGE = "genrsa: Use -help for summary.\n"
MAX_BITS = 4096  # more takes seconds of CPU: past a command's time box


def genrsa(inv: Invocation, args: list[str]) -> Output:
    out_path, traditional, exponent, bits = None, False, 65537, None
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-out" and i + 1 < len(args):
            out_path, i = args[i + 1], i + 2
            continue
        if a == "-traditional":
            traditional = True
        elif a == "-3":
            exponent = 3
        elif a in ("-F4", "-f4", "-quiet", "-verbose"):
            pass
        elif a.startswith("-"):
            return Output("", f"genrsa: Unknown cipher: {a[1:]}\n", 1)
        elif bits is not None:
            return Output("", "Extra arguments given.\n" + USAGE, 1)
        elif not a.isdigit():
            return Output("", f'genrsa: Can\'t parse "{a}" as a number\n', 1)
        else:
            bits = int(a)
        i += 1
    bits = 2048 if bits is None else bits
    if bits < 512:
        return Output("", "Error setting RSA length\n", 1)
    if bits > MAX_BITS:  # honest about the twin's limit rather than stalling the server
        return Output("", f"genrsa: keys over {MAX_BITS} bits are not generated on this "
                          "training node\n", 1)
    entropy.note()
    if bits == 2048 and exponent == 65537:  # from the spare-key pool (openssl_keys.py)
        from app.providers.sim.shell.openssl_keys import new_rsa

        key = new_rsa(bits)
    else:
        key = (rsa.generate_private_key(public_exponent=exponent, key_size=bits)
               if bits >= 1024 else _small_key(bits, exponent))
    pem = key.private_bytes(serialization.Encoding.PEM,
                            serialization.PrivateFormat.TraditionalOpenSSL if traditional
                            else serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    if out_path is None:
        return Output(pem.decode())
    vfs, cwd = inv.session.vfs, inv.session.cwd
    try:
        vfs.write(posixpath.join(cwd, out_path), pem, mode=0o600)
    except VFSError:
        return Output("", f'genrsa: Can\'t open "{out_path}" for writing, No such file or '
                          "directory\n", 1)
    return Output("")


def _small_key(bits: int, e: int) -> rsa.RSAPrivateKey:
    """OpenSSL still makes 512..1023-bit keys; `cryptography` refuses them, so the primes are
    found here (Miller-Rabin, 40 rounds) and the key built from its numbers."""
    while True:
        p, q = _prime(bits - bits // 2, e), _prime(bits // 2, e)
        n = p * q
        if p != q and n.bit_length() == bits:
            break
    d = pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q),
                                    rsa.rsa_crt_iqmp(p, q), rsa.RSAPublicNumbers(e, n))
    return numbers.private_key(unsafe_skip_rsa_key_validation=True)


def _prime(bits: int, e: int) -> int:
    entropy.note()
    while True:
        candidate = secrets.randbits(bits) | (3 << (bits - 2)) | 1
        if math.gcd(e, candidate - 1) == 1 and _probably_prime(candidate):
            return candidate


def _probably_prime(n: int, rounds: int = 40) -> bool:
    entropy.note()  # random witnesses (the answer itself does not depend on them)
    for small in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % small == 0:
            return n == small
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(rounds):
        x = pow(secrets.randbelow(n - 3) + 2, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True
