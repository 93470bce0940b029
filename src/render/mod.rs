//! Output: the facts as the contract's JSON, or as a table for a person. No I/O beyond the
//! returned string; the command edge prints it.

pub mod findings;
pub mod json;
pub mod jvm;
pub mod openmetrics;
pub mod table;

pub use crate::units::{bytes, cores, cores_label};
