//! Time-based retention (in progress).
