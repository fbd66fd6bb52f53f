//! Pure rotation policy.

pub mod retention;
