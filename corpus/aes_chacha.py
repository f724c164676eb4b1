import os

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

payload = os.urandom(32 * 1024 * 1024)
key = os.urandom(32)
nonce = os.urandom(16)

enc = Cipher(algorithms.AES(key), modes.CTR(nonce)).encryptor()
ct = enc.update(payload) + enc.finalize()

chacha = Cipher(algorithms.ChaCha20(key, nonce), mode=None).encryptor()
ct2 = chacha.update(payload)

aead = AESGCM(AESGCM.generate_key(bit_length=256))
sealed = aead.encrypt(nonce[:12], payload, None)
print(len(ct), len(ct2), len(sealed))
