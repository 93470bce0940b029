//! The JVM advisor: what a given JDK sees and picks by itself here ([`ergonomics`]), what it
//! can and cannot do ([`version`]), what the user already asked for ([`options`]). Pure
//! functions over facts; no I/O.

pub mod advise;
pub mod budget;
pub mod ergonomics;
pub mod footprint;
pub mod options;
pub mod profile;
pub mod version;
