//! Core data types shared by every stage of Prescient's pipeline: symbolic sizes
//! ([`sym`]) and the analyser's output, the program model ([`program`]).
//!
//! This crate does no I/O. Later stages (profile, forecast, plan) depend on it, never
//! on the analyser itself.

pub mod cluster;
pub mod dispatch;
pub mod node;
pub mod program;
pub mod sym;

pub use node::*;
pub use program::*;
pub use sym::Sym;
