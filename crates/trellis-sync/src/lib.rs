//! Trellis sync: the `/v1` wire types ([`wire`], shared with `trellis-server`) and, with the
//! default `client` feature, the laptop's push/pull client ([`client`]) used by the CLI.

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub mod token;
pub mod wire;
