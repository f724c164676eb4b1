//! Cryptography: `hashlib` (constructors, update, digest, pbkdf2_hmac, scrypt),
//! `hmac`, `os.urandom`/`secrets`, `zlib` checksums, and the `cryptography` and
//! pycryptodome ciphers (AES, ChaCha20, AEADs).
//!
//! For crypto kernels `flops` counts bytes run through the primitive (the unit
//! hash and cipher rates are calibrated in), and `affinity` names the instruction
//! set extension that accelerates it (`sha` for SHA-1/SHA-256, `aes` for AES).

use super::{draft, e, CallArgs, Entry, Rule};
use crate::fmt::fmt_bytes;
use crate::host::Host;
use crate::value::*;
use prescient_model::{Category as C, Parallelism as P, Sym};

use Rule::Custom;

pub const ENTRIES: &[Entry] = &[
    e(
        &[
            "hashlib.md5",
            "hashlib.sha1",
            "hashlib.sha224",
            "hashlib.sha256",
            "hashlib.sha384",
            "hashlib.sha512",
            "hashlib.sha3_224",
            "hashlib.sha3_256",
            "hashlib.sha3_384",
            "hashlib.sha3_512",
            "hashlib.blake2b",
            "hashlib.blake2s",
            "hashlib.shake_128",
            "hashlib.shake_256",
            "hashlib.new",
            "cryptography.hashes.Hash",
            "Crypto.Hash.SHA256.new",
            "Crypto.Hash.SHA1.new",
            "Crypto.Hash.MD5.new",
            "Crypto.Hash.SHA512.new",
        ],
        C::Crypto,
        Custom(hash_new),
    ),
    e(
        &[
            "hashlib.Hash.update",
            "hashlib.Hash.digest",
            "hashlib.Hash.hexdigest",
            "hashlib.Hash.copy",
            "hashlib.Hash.finalize",
            "hmac.HMAC.update",
            "hmac.HMAC.digest",
            "hmac.HMAC.hexdigest",
            "hmac.HMAC.copy",
        ],
        C::Crypto,
        Custom(hash_method),
    ),
    e(&["hashlib.pbkdf2_hmac"], C::Crypto, Custom(pbkdf2)),
    e(&["hashlib.scrypt"], C::Crypto, Custom(scrypt)),
    e(&["hashlib.file_digest"], C::Crypto, Custom(file_digest)),
    e(
        &["hmac.new", "hmac.digest", "hmac.HMAC"],
        C::Crypto,
        Custom(hmac_new),
    ),
    e(
        &["hmac.compare_digest", "secrets.compare_digest"],
        C::Crypto,
        Custom(compare),
    ),
    e(
        &[
            "os.urandom",
            "secrets.token_bytes",
            "secrets.token_hex",
            "secrets.token_urlsafe",
            "Crypto.Random.get_random_bytes",
        ],
        C::Crypto,
        Custom(urandom),
    ),
    e(
        &[
            "zlib.crc32",
            "zlib.adler32",
            "binascii.crc32",
            "zlib.compress",
            "zlib.decompress",
            "gzip.compress",
            "gzip.decompress",
            "bz2.compress",
            "lzma.compress",
            "base64.b64encode",
            "base64.b64decode",
            "binascii.hexlify",
            "binascii.unhexlify",
            "base64.urlsafe_b64encode",
        ],
        C::Other,
        Custom(bytes_codec),
    ),
    e(
        &[
            "cryptography.ciphers.algorithms.AES",
            "cryptography.ciphers.algorithms.AES128",
            "cryptography.ciphers.algorithms.AES256",
            "cryptography.ciphers.algorithms.ChaCha20",
            "cryptography.ciphers.algorithms.TripleDES",
            "cryptography.ciphers.algorithms.Camellia",
            "cryptography.ciphers.modes.CBC",
            "cryptography.ciphers.modes.CTR",
            "cryptography.ciphers.modes.GCM",
            "cryptography.ciphers.modes.ECB",
            "cryptography.ciphers.modes.CFB",
            "cryptography.ciphers.modes.OFB",
            "cryptography.ciphers.modes.XTS",
            "cryptography.hashes.SHA256",
            "cryptography.hashes.SHA1",
            "cryptography.hashes.SHA512",
            "cryptography.hashes.SHA384",
            "cryptography.hashes.MD5",
            "cryptography.hashes.SHA3_256",
            "cryptography.hashes.BLAKE2b",
        ],
        C::Crypto,
        Custom(cipher_part),
    ),
    e(&["cryptography.ciphers.Cipher"], C::Crypto, Custom(cipher)),
    e(
        &[
            "cryptography.Cipher.encryptor",
            "cryptography.Cipher.decryptor",
        ],
        C::Crypto,
        Custom(cipher_ctx),
    ),
    e(
        &[
            "cryptography.CipherContext.update",
            "cryptography.CipherContext.finalize",
            "cryptography.CipherContext.encrypt",
            "cryptography.CipherContext.decrypt",
            "cryptography.CipherContext.update_into",
            "cryptography.CipherContext.finalize_with_tag",
            "cryptography.CipherContext.encrypt_and_digest",
            "cryptography.CipherContext.decrypt_and_verify",
        ],
        C::Crypto,
        Custom(cipher_update),
    ),
    e(
        &[
            "cryptography.ciphers.aead.AESGCM",
            "cryptography.ciphers.aead.ChaCha20Poly1305",
            "cryptography.ciphers.aead.AESCCM",
            "cryptography.ciphers.aead.AESOCB3",
            "cryptography.ciphers.aead.AESSIV",
            "cryptography.fernet.Fernet",
            "Crypto.Cipher.AES.new",
            "Crypto.Cipher.ChaCha20.new",
            "Crypto.Cipher.ChaCha20_Poly1305.new",
        ],
        C::Crypto,
        Custom(aead_new),
    ),
    e(
        &["cryptography.AEAD.encrypt", "cryptography.AEAD.decrypt"],
        C::Crypto,
        Custom(aead_op),
    ),
    e(
        &[
            "cryptography.ciphers.aead.AESGCM.generate_key",
            "cryptography.ciphers.aead.ChaCha20Poly1305.generate_key",
            "cryptography.fernet.Fernet.generate_key",
        ],
        C::Crypto,
        Custom(gen_key),
    ),
];

fn algo_info(name: &str) -> (&'static str, f64, f64, &'static [&'static str]) {
    // (canonical name, digest size, block size, accelerating extension)
    match name.to_ascii_lowercase().replace('-', "_").as_str() {
        "md5" => ("md5", 16.0, 64.0, &[]),
        "sha1" => ("sha1", 20.0, 64.0, &["sha"]),
        "sha224" => ("sha224", 28.0, 64.0, &["sha"]),
        "sha256" => ("sha256", 32.0, 64.0, &["sha"]),
        "sha384" => ("sha384", 48.0, 128.0, &[]),
        "sha512" | "sha512_256" => ("sha512", 64.0, 128.0, &[]),
        "sha3_224" => ("sha3_224", 28.0, 144.0, &[]),
        "sha3_256" => ("sha3_256", 32.0, 136.0, &[]),
        "sha3_384" => ("sha3_384", 48.0, 104.0, &[]),
        "sha3_512" => ("sha3_512", 64.0, 72.0, &[]),
        "blake2b" => ("blake2b", 64.0, 128.0, &[]),
        "blake2s" => ("blake2s", 32.0, 64.0, &[]),
        "shake_128" => ("shake_128", 32.0, 168.0, &[]),
        "shake_256" => ("shake_256", 64.0, 136.0, &[]),
        _ => ("sha256", 32.0, 64.0, &["sha"]),
    }
}

fn algo_name_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Str { text: Some(t), .. } => Some(t.to_string()),
        Value::Lib(q) => q.rsplit('.').next().map(str::to_string),
        Value::Obj { class, .. } => class.rsplit('.').next().map(str::to_string),
        _ => None,
    }
}

fn hash_kernel(it: &mut dyn Host, algo: &str, n: &Sym, text: &str) {
    let (name, _, block, aff) = algo_info(algo);
    // Padding makes at least one block per call.
    let work = n.max(&Sym::num(block));
    let b = it.num(n);
    it.emit(draft(
        C::Crypto,
        &format!("hashlib.{name}"),
        work.clone(),
        work,
        Sym::zero(),
        Some(DType::UInt8),
        P::Serial,
        aff,
        format!("{text}, hashes {} -> crypto ({name})", fmt_bytes(b)),
    ));
}

fn set(obj: &Value, k: &str, v: Value) {
    if let Value::Obj { attrs, .. } = obj {
        attrs.borrow_mut().insert(k.into(), v);
    }
}

fn get(obj: &Value, k: &str) -> Option<Value> {
    match obj {
        Value::Obj { attrs, .. } => attrs.borrow().get(k).cloned(),
        _ => None,
    }
}

fn hash_new(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let (algo, data) = if ca.short() == "new" && ca.name.starts_with("hashlib") {
        (
            algo_name_of(ca.pos.first()).unwrap_or_else(|| "sha256".into()),
            ca.arg(1, "data"),
        )
    } else if ca.name.starts_with("cryptography") {
        (
            algo_name_of(ca.pos.first()).unwrap_or_else(|| "sha256".into()),
            None,
        )
    } else if ca.name.starts_with("Crypto.Hash") {
        (
            ca.name.split('.').nth(2).unwrap_or("sha256").to_string(),
            ca.arg(0, "data"),
        )
    } else {
        (
            ca.short().to_string(),
            ca.arg(0, "data").or(ca.arg(0, "string")),
        )
    };
    let obj = Value::new_obj("hashlib.Hash");
    set(&obj, "algo", Value::str_known(&algo));
    if let Some(d) = data {
        if let Some(n) = d.len() {
            hash_kernel(it, &algo, &n, &ca.text);
        }
    }
    Some(obj)
}

fn hash_method(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let obj = ca.recv.clone()?;
    let algo = get(&obj, "algo")
        .and_then(|v| v.as_text().map(str::to_string))
        .unwrap_or_else(|| "sha256".into());
    let (_, digest, _, _) = algo_info(&algo);
    let digest = match ca.pos.first().and_then(|v| v.as_sym()) {
        Some(n) if algo.starts_with("shake") => n,
        _ => Sym::num(digest),
    };
    Some(match ca.short() {
        "update" => {
            let n = ca
                .pos
                .first()
                .and_then(|v| v.len())
                .unwrap_or_else(Sym::one);
            hash_kernel(it, &algo, &n, &ca.text);
            Value::None
        }
        "digest" | "finalize" => Value::Bytes { len: digest },
        "hexdigest" => Value::Str {
            len: digest.scale(2.0),
            text: None,
            shared: false,
        },
        _ => obj,
    })
}

fn pbkdf2(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let algo = algo_name_of(ca.arg(0, "hash_name")).unwrap_or_else(|| "sha256".into());
    let iters = ca
        .arg(3, "iterations")
        .and_then(|v| v.as_sym())
        .unwrap_or_else(|| Sym::num(1.0));
    let (name, digest, block, aff) = algo_info(&algo);
    let dklen = ca
        .arg(4, "dklen")
        .and_then(|v| v.as_sym())
        .unwrap_or_else(|| Sym::num(digest));
    let blocks = dklen.div(&Sym::num(digest)).max(&Sym::one());
    // Each iteration is one HMAC: two compression calls over a block each.
    let work = iters.mul(&blocks).scale(2.0 * block);
    let n = it.num(&iters);
    it.emit(draft(
        C::Crypto,
        "hashlib.pbkdf2_hmac",
        work.clone(),
        work,
        Sym::zero(),
        Some(DType::UInt8),
        P::Serial,
        aff,
        format!(
            "{}, {} iterations of HMAC-{name} -> crypto",
            ca.text,
            crate::fmt::fmt_flops(n, "")
        ),
    ));
    Some(Value::Bytes { len: dklen })
}

fn scrypt(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let n = ca
        .kwarg("n")
        .and_then(|v| v.as_sym())
        .unwrap_or_else(|| Sym::num(16384.0));
    let r = ca
        .kwarg("r")
        .and_then(|v| v.as_sym())
        .unwrap_or_else(|| Sym::num(8.0));
    let p = ca
        .kwarg("p")
        .and_then(|v| v.as_sym())
        .unwrap_or_else(Sym::one);
    let dklen = ca
        .kwarg("dklen")
        .and_then(|v| v.as_sym())
        .unwrap_or_else(|| Sym::num(64.0));
    // ROMix fills and then reads back N blocks of 128*r bytes, p times.
    let mem = n.mul(&r).scale(128.0);
    let work = mem.mul(&p).scale(2.0);
    let m = it.num(&mem);
    it.emit(draft(
        C::Crypto,
        "hashlib.scrypt",
        work.clone(),
        work,
        mem,
        Some(DType::UInt8),
        P::Serial,
        &[],
        format!(
            "{}, memory-hard KDF over {} -> crypto",
            ca.text,
            fmt_bytes(m)
        ),
    ));
    Some(Value::Bytes { len: dklen })
}

fn file_digest(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let size = match ca.pos.first() {
        Some(Value::File { size, .. }) => size.clone(),
        _ => Sym::num(1e6),
    };
    let algo = algo_name_of(ca.pos.get(1)).unwrap_or_else(|| "sha256".into());
    hash_kernel(it, &algo, &size, &ca.text);
    let obj = Value::new_obj("hashlib.Hash");
    set(&obj, "algo", Value::str_known(&algo));
    Some(obj)
}

fn hmac_new(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let algo = algo_name_of(ca.arg(2, "digestmod").or(ca.arg(2, "digest")))
        .unwrap_or_else(|| "sha256".into());
    let (_, digest, block, _) = algo_info(&algo);
    if let Some(n) = ca.arg(1, "msg").and_then(|m| m.len()) {
        // The inner and outer hashes add two blocks of key padding.
        hash_kernel(it, &algo, &n.add(&Sym::num(2.0 * block)), &ca.text);
    }
    if ca.short() == "digest" {
        return Some(Value::Bytes {
            len: Sym::num(digest),
        });
    }
    let obj = Value::new_obj("hmac.HMAC");
    set(&obj, "algo", Value::str_known(&algo));
    Some(obj)
}

fn compare(it: &mut dyn Host, _: &CallArgs) -> Option<Value> {
    it.ops(|o, m| o.calls += m);
    Some(Value::Bool(None))
}

fn urandom(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let n = ca
        .pos
        .first()
        .and_then(|v| v.as_sym())
        .unwrap_or_else(|| Sym::num(32.0));
    let b = it.num(&n);
    let pattern = match ca.name.as_str() {
        "os.urandom" => "os.urandom",
        "Crypto.Random.get_random_bytes" => "Crypto.Random.get_random_bytes",
        _ => "secrets.token_bytes",
    };
    if b >= 4096.0 {
        it.emit(draft(
            C::Crypto,
            pattern,
            n.clone(),
            n.clone(),
            n.clone(),
            Some(DType::UInt8),
            P::Serial,
            &[],
            format!("{}, {} of OS randomness -> crypto", ca.text, fmt_bytes(b)),
        ));
    } else {
        it.ops(|o, m| o.calls += m);
    }
    Some(match ca.short() {
        "token_hex" => Value::Str {
            len: n.scale(2.0),
            text: None,
            shared: false,
        },
        "token_urlsafe" => Value::Str {
            len: n.scale(4.0 / 3.0),
            text: None,
            shared: false,
        },
        _ => Value::Bytes { len: n },
    })
}

fn bytes_codec(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let n = ca
        .pos
        .first()
        .and_then(|v| v.len())
        .unwrap_or_else(Sym::one);
    let short = ca.short();
    let (work_per, out): (f64, Option<Sym>) = match short {
        "crc32" | "adler32" => (0.3, None),
        "compress" => (8.0, Some(n.scale(0.5))),
        "decompress" => (3.0, Some(n.scale(2.0))),
        "b64encode" | "urlsafe_b64encode" => (1.0, Some(n.scale(4.0 / 3.0))),
        "b64decode" => (1.0, Some(n.scale(0.75))),
        "hexlify" => (1.0, Some(n.scale(2.0))),
        _ => (1.0, Some(n.scale(0.5))),
    };
    let b = it.num(&n);
    if b >= 4096.0 {
        it.emit(draft(
            C::Other,
            &ca.name,
            n.scale(work_per),
            n.clone(),
            out.clone().unwrap_or_else(Sym::zero),
            Some(DType::UInt8),
            P::Serial,
            &[],
            format!("{}, {} -> other", ca.text, fmt_bytes(b)),
        ));
    }
    Some(match out {
        Some(len) => Value::Bytes { len },
        None => Value::Int(Sym::var("checksum")),
    })
}

/// `algorithms.AES(key)`, `modes.CTR(nonce)`, `hashes.SHA256()`: descriptors.
fn cipher_part(_: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let obj = Value::new_obj(&format!("cryptography.part.{}", ca.short()));
    set(&obj, "name", Value::str_known(ca.short()));
    Some(obj)
}

fn cipher(_: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let algo = match ca.pos.first() {
        Some(v) => get(v, "name")
            .and_then(|n| n.as_text().map(str::to_string))
            .unwrap_or_else(|| "AES".into()),
        None => "AES".into(),
    };
    let mode = ca
        .arg(1, "mode")
        .and_then(|v| get(v, "name"))
        .and_then(|n| n.as_text().map(str::to_string))
        .unwrap_or_else(|| "CTR".into());
    let obj = Value::new_obj("cryptography.Cipher");
    set(&obj, "algo", Value::str_known(&algo));
    set(&obj, "mode", Value::str_known(&mode));
    Some(obj)
}

fn cipher_ctx(_: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let src = ca.recv.clone()?;
    let obj = Value::new_obj("cryptography.CipherContext");
    for k in ["algo", "mode"] {
        if let Some(v) = get(&src, k) {
            set(&obj, k, v);
        }
    }
    Some(obj)
}

fn cipher_pattern(algo: &str) -> (String, &'static [&'static str]) {
    let a = algo.to_ascii_lowercase();
    if a.starts_with("aes") {
        ("cryptography.aes".into(), &["aes"])
    } else if a.starts_with("chacha") {
        ("cryptography.chacha20".into(), &["avx2"])
    } else {
        (format!("cryptography.{a}"), &[])
    }
}

fn cipher_update(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let ctx = ca.recv.clone()?;
    let algo = get(&ctx, "algo")
        .and_then(|v| v.as_text().map(str::to_string))
        .unwrap_or_else(|| "AES".into());
    let mode = get(&ctx, "mode")
        .and_then(|v| v.as_text().map(str::to_string))
        .unwrap_or_default();
    match ca.short() {
        "finalize" | "finalize_with_tag" => {
            return Some(Value::Bytes {
                len: Sym::num(16.0),
            })
        }
        _ => {}
    }
    let data = ca.pos.first()?;
    let n = data.len().unwrap_or_else(Sym::one);
    let (pattern, aff) = cipher_pattern(&algo);
    let b = it.num(&n);
    it.emit(draft(
        C::Crypto,
        &pattern,
        n.clone(),
        n.scale(2.0),
        n.clone(),
        Some(DType::UInt8),
        P::Serial,
        aff,
        format!(
            "{}, {} through {algo}{} -> crypto",
            ca.text,
            fmt_bytes(b),
            if mode.is_empty() {
                String::new()
            } else {
                format!("-{mode}")
            }
        ),
    ));
    Some(match ca.short() {
        "encrypt_and_digest" => Value::tuple(vec![
            Value::Bytes { len: n },
            Value::Bytes {
                len: Sym::num(16.0),
            },
        ]),
        "update_into" => Value::Int(n),
        _ => Value::Bytes { len: n },
    })
}

fn aead_new(_: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let algo = match ca.short() {
        "ChaCha20Poly1305" | "new" if ca.name.contains("ChaCha") => "ChaCha20",
        "Fernet" => "AES-Fernet",
        _ => "AES",
    };
    let class = if ca.name.starts_with("Crypto.") {
        "cryptography.CipherContext"
    } else {
        "cryptography.AEAD"
    };
    let obj = Value::new_obj(class);
    set(&obj, "algo", Value::str_known(algo));
    set(&obj, "kind", Value::str_known(ca.short()));
    Some(obj)
}

fn aead_op(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let obj = ca.recv.clone()?;
    let algo = get(&obj, "algo")
        .and_then(|v| v.as_text().map(str::to_string))
        .unwrap_or_else(|| "AES".into());
    let fernet = algo == "AES-Fernet";
    let data = if fernet {
        ca.pos.first()
    } else {
        ca.arg(1, "data")
    }?;
    let n = data.len().unwrap_or_else(Sym::one);
    let (pattern, aff) = cipher_pattern(&algo);
    let b = it.num(&n);
    // AEADs also authenticate: GHASH/Poly1305 about doubles the work per byte.
    it.emit(draft(
        C::Crypto,
        &pattern,
        n.scale(2.0),
        n.scale(2.0),
        n.clone(),
        Some(DType::UInt8),
        P::Serial,
        aff,
        format!(
            "{}, {} through {algo} AEAD -> crypto",
            ca.text,
            fmt_bytes(b)
        ),
    ));
    let out = match (ca.short(), fernet) {
        ("encrypt", true) => n.add(&Sym::num(57.0)).scale(4.0 / 3.0),
        ("encrypt", false) => n.add(&Sym::num(16.0)),
        (_, true) => n.scale(0.75),
        _ => n.sub(&Sym::num(16.0)).clamp0(),
    };
    Some(Value::Bytes { len: out })
}

fn gen_key(_: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let bits = ca
        .arg(0, "bit_length")
        .and_then(|v| v.as_sym())
        .unwrap_or_else(|| Sym::num(256.0));
    Some(Value::Bytes {
        len: bits.scale(1.0 / 8.0),
    })
}
