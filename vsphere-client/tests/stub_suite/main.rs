//! The property and task layers against a local stub server that answers with canned vim25
//! responses shaped like the simulator captures: what the simulator does not model (paging,
//! running tasks, progress, timeouts, `/` in names, cookies set on every reply, session
//! expiry at chosen moments).

mod canned;
mod consolidate;
mod names;
mod paging;
mod sessions;
mod stub;
mod task_wait;
