//! The object, property and task layers against VMware's vCenter simulator: every call made at
//! least once, each checked by reading the inventory back.
//!
//! All tests share one simulator (started on first use) and make their own objects with names
//! no other test uses, so they may run in parallel.

mod custom_fields;
mod events;
mod inventory;
mod names;
mod property_collector;
mod support;
mod tasks;
mod views;
mod vm_lifecycle;
