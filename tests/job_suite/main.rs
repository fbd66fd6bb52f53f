//! The backup job, list and restore end to end on VMware's vCenter simulator.
//!
//! Each test starts its own simulator (two hosts, the VM `avocado2`, NFS datastores
//! `NFS_durian` and `NFS_mango`) and checks the outcome by listing the inventory through
//! vsphere-client, not by trusting the job's report. The crash tests run this test binary
//! again as the child process to kill.

mod bad_input;
mod crash;
mod fleet;
mod locking;
mod parallel;
mod real_vms;
mod restore;
mod retention;
mod rotation;
mod safety;
mod schema;
mod support;
mod verify;
