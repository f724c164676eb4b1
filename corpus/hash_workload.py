import hashlib
import hmac
import os
import sys

size_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 16
data = os.urandom(size_mb * 1024 * 1024)
h = hashlib.sha256()
chunk = 1 << 20
for off in range(0, len(data), chunk):
    h.update(data[off:off + chunk])
print(h.hexdigest())
print(hashlib.blake2b(data).hexdigest()[:16])
print(hashlib.md5(data).hexdigest())
key = hashlib.pbkdf2_hmac("sha256", b"password", b"salt" * 4, 100_000)
mac = hmac.new(key, data, hashlib.sha256).hexdigest()
print(mac[:16])
