//! Wire types of the Prescient runtime: the messages the coordinator, the node
//! agents and the Python workers exchange, and the frame format that carries them.
//!
//! Both the coordinator and the agents depend on this crate and never on each
//! other. Every connection opens with a [`Hello`] carrying [`PROTOCOL_VERSION`]
//! and a nonce; a peer speaking another version is refused with a clear error
//! instead of being misread. Then each side sends a [`Proof`] that it holds the
//! cluster's secret, before anything else is read.
//!
//! A frame is a JSON header followed by zero or more binary blobs (array buffers
//! of a checkpoint), so bulk data is never JSON-encoded:
//!
//! ```text
//! u32 LE header length | header (UTF-8 JSON) | u32 LE blob count |
//! blob count x u64 LE blob length | blob bytes, one after the other
//! ```
//!
//! The Python worker harness speaks the same frames (see `worker.py` in the
//! runtime crate).

pub mod frame;
pub mod msg;

pub use frame::{FrameError, FrameHeader, Limits};
pub use msg::*;

/// Bumped on any incompatible change to a message or to the frame format.
pub const PROTOCOL_VERSION: u32 = 4;
