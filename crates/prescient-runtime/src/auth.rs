//! Who may speak to a node agent or to the coordinator: the members of one
//! cluster, who share a secret the coordinator draws when it starts the
//! cluster.
//!
//! An agent listens on TCP (on every interface when it runs inside a Slurm
//! allocation on another host), and what it accepts is a program to run, so
//! every connection proves the secret before anything else is read. Each
//! side sends a fresh nonce in its [`Hello`], then an HMAC-SHA256 under the
//! secret of its role, its nonce and the other side's nonce, and checks the
//! other's. The secret never crosses the wire and a proof is good for one
//! connection only: a listener proves itself only as a listener (role
//! `agent`), which is never accepted from a caller, so proofs cannot be
//! reflected from one connection into another.
//!
//! The secret reaches agents in their environment ([`SECRET_ENV`]), which
//! only their own user and root can read, not on their command line, which
//! every local user can; workers are started without it (and cannot open
//! connections anyway).

use hmac::{Hmac, Mac};
use prescient_wire::{Hello, Role};
use sha2::Sha256;

/// The environment variable that hands the secret to an agent.
pub const SECRET_ENV: &str = "PRESCIENT_CLUSTER_SECRET";

/// What separates this use of the key from any other.
const CONTEXT: &[u8] = b"prescient handshake v2\0";

/// A cluster's shared secret.
#[derive(Clone)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// A new random secret (256 bits).
    pub fn generate() -> Secret {
        Secret(format!(
            "{:032x}{:032x}",
            rand::random::<u128>(),
            rand::random::<u128>()
        ))
    }

    /// A secret from its text (as [`Secret::expose`] gives it).
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(text.into())
    }

    /// The secret given in the environment, if any.
    pub fn from_env() -> Option<Secret> {
        std::env::var(SECRET_ENV)
            .ok()
            .filter(|s| !s.is_empty())
            .map(Secret)
    }

    /// The value to put in [`SECRET_ENV`].
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn mac(&self, role: Role, own_nonce: &str, their_nonce: &str) -> Hmac<Sha256> {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_bytes())
            .expect("HMAC takes a key of any length");
        m.update(CONTEXT);
        m.update(role_name(role).as_bytes());
        m.update(b"\0");
        m.update(own_nonce.as_bytes());
        m.update(b"\0");
        m.update(their_nonce.as_bytes());
        m
    }

    /// The proof that `me` holds the secret, for the side that sent `them`.
    pub fn prove(&self, me: &Hello, them: &Hello) -> String {
        hex(&self
            .mac(me.role, &me.nonce, &them.nonce)
            .finalize()
            .into_bytes())
    }

    /// Whether `proof` shows that the side that sent `them` holds the
    /// secret (compared in constant time).
    pub fn verify(&self, them: &Hello, me: &Hello, proof: &str) -> bool {
        match unhex(proof) {
            Some(bytes) => self
                .mac(them.role, &them.nonce, &me.nonce)
                .verify_slice(&bytes)
                .is_ok(),
            None => false,
        }
    }
}

/// A fresh nonce for a hello (128 bits).
pub fn nonce() -> String {
    format!("{:032x}", rand::random::<u128>())
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Coordinator => "coordinator",
        Role::Agent => "agent",
        Role::Peer => "peer",
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello(role: Role) -> Hello {
        Hello {
            protocol: prescient_wire::PROTOCOL_VERSION,
            role,
            name: "x".into(),
            nonce: nonce(),
        }
    }

    #[test]
    fn a_proof_holds_for_its_secret_its_role_and_its_nonces_only() {
        let s = Secret::generate();
        let (caller, listener) = (hello(Role::Coordinator), hello(Role::Agent));
        let p = s.prove(&caller, &listener);
        assert!(s.verify(&caller, &listener, &p));
        // Another secret, another connection, another role: refused.
        assert!(!Secret::generate().verify(&caller, &listener, &p));
        assert!(!s.verify(&caller, &hello(Role::Agent), &p));
        let mut as_peer = caller.clone();
        as_peer.role = Role::Peer;
        assert!(!s.verify(&as_peer, &listener, &p));
        // The listener's proof is not the caller's.
        assert!(!s.verify(&caller, &listener, &s.prove(&listener, &caller)));
        for junk in ["", "zz", "abc", "é1", &p[..p.len() - 2]] {
            assert!(!s.verify(&caller, &listener, junk), "{junk}");
        }
    }

    #[test]
    fn the_secret_does_not_print() {
        let s = Secret::generate();
        assert_eq!(s.expose().len(), 64);
        assert!(!format!("{s:?}").contains(s.expose()));
    }
}
