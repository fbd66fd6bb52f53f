//! Pure rotation policy.
