//! The one integration-test binary (as cargo-nextest recommends): every module below drives
//! the built `ctune` binary or the library from outside.

mod advice_harness;
mod cli;
mod common;
mod containers;
mod exec;
mod exec_differential;
mod exec_heap_percentage;
mod exec_safety;
mod exec_said;
mod findings;
mod fixtures;
mod hidden_limits;
mod images;
mod interval;
mod jvm_real;
mod lint_files;
mod man;
mod memory_extras;
mod metrics;
mod msrv;
mod operators;
mod props;
mod real_kernel;
mod roundtrip;
mod running_jvms;
mod terminal;
mod vm;
