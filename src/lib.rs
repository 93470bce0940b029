//! ctune: tells the truth about a Linux container and tunes the JVM for it.
//!
//! Data flows one way: [`probe`] (all I/O, through one root-relative reader) → [`facts`]
//! (plain serialisable structs) → analysis (pure functions) → [`render`] (table, JSON). The
//! command-line front end in [`cli`] wires them together and owns every exit code.

pub mod arena;
pub mod assume;
pub mod cli;
pub mod exec;
pub mod exit;
pub mod facts;
pub mod findings;
pub mod interval;
pub mod jvm;
pub mod parse;
pub mod probe;
pub mod render;
pub mod secrets;
pub mod snapshot;
pub mod sources;
pub mod units;
