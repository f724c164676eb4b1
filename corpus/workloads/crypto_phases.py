"""Phases that profit from different instructions: AES-GCM sealing (AES-NI),
then SHA-256 digests (SHA-NI), then a plain-Python checksum."""
import hashlib
import os
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

mb = int(sys.argv[1]) if len(sys.argv) > 1 else 64
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 8
payload = os.urandom(mb * 1024 * 1024)
aead = AESGCM(AESGCM.generate_key(bit_length=256))
nonce = os.urandom(12)

sealed = 0
for _ in range(rounds):
    sealed += len(aead.encrypt(nonce, payload, None))

digests = []
for i in range(rounds):
    digests.append(hashlib.sha256(payload).hexdigest())

check = 0
for b in payload[: mb * 1024]:
    check = (check * 31 + b) & 0xFFFFFFFF
print(sealed, digests[-1][:16], check)
