//! Fixture roots: being written.
