//! The one integration-test binary (as cargo-nextest recommends): every module below drives
//! the built `ctune` binary or the library from outside.

mod common;
mod cli;
mod fixtures;
mod man;
mod props;
mod real_kernel;
mod roundtrip;
