//! Output: the facts as the contract's JSON, or as a table for a person. No I/O beyond the
//! returned string; the command edge prints it.

pub mod doctor;
pub mod json;
pub mod jvm;
pub mod lint;
pub mod openmetrics;
pub mod profiles;
pub mod table;
pub mod text;

pub use crate::units::{bytes, cores, cores_label};
