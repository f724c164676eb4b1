//! Arbitrary bytes as a stream of frames, read the way every runtime
//! component reads its peers: each message type, blobs into memory or skipped.
//! No input may panic or allocate more than it carries.

#![no_main]
use libfuzzer_sys::fuzz_target;
use prescient_wire::frame::{self, Limits};
use prescient_wire::{FromAgent, FromPeer, FromWorker, Hello, Proof, ToAgent, ToPeer, ToWorker};

fn drain<T: serde::de::DeserializeOwned>(data: &[u8], keep: bool) {
    let mut r = data;
    let limits = Limits {
        max_header: 1 << 16,
        max_blobs: 1 << 10,
        max_blob_bytes: 1 << 20,
    };
    for _ in 0..64 {
        match frame::read_header::<T>(&mut r, &limits) {
            Ok(h) => {
                let ok = if keep {
                    frame::read_blobs(&mut r, &h.blob_lens).is_ok()
                } else {
                    frame::skip_blobs(&mut r, h.blob_total()).is_ok()
                };
                if !ok {
                    break;
                }
            }
            Err(_) => break,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (sel, rest) = match data.split_first() {
        Some((s, r)) => (*s, r),
        None => return,
    };
    let keep = sel & 0x80 != 0;
    match sel % 8 {
        0 => drain::<Hello>(rest, keep),
        1 => drain::<ToAgent>(rest, keep),
        2 => drain::<FromAgent>(rest, keep),
        3 => drain::<ToPeer>(rest, keep),
        4 => drain::<FromPeer>(rest, keep),
        5 => drain::<ToWorker>(rest, keep),
        6 => drain::<Proof>(rest, keep),
        _ => drain::<FromWorker>(rest, keep),
    }
});
