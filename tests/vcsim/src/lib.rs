//! Test harness for the vCenter simulator (in progress).
