package main

import (
	"flag"
	"os"

	"github.com/vmware/govmomi/simulator"
)

// The ESXi mode and the shared NFS directory: flags of their own, so that the rest of the launcher
// reads the same in both modes.
//
// -esx serves one standalone ESXi host (simulator.ESX()): datacenter ha-datacenter, host
// localhost.localdomain, no vCenter (no CloneVM_Task), -vms VMs and -datastores local datastores on it.
// -hosts is ignored there.
//
// -nfs-root makes the NFS datastores (-nfs) directories below the given directory, created when missing
// and kept on exit, instead of below a temporary one. Two launchers given the same -nfs-root and -nfs
// names share the datastores' files, as two hosts mounting the same NAS export do: a vCenter-mode one
// can make backups that an ESXi-mode one then finds.
var (
	esxMode = flag.Bool("esx", false, "serve a standalone ESXi host (datacenter ha-datacenter) instead of a vCenter")
	nfsRoot = flag.String("nfs-root", "", "keep the NFS datastores' directories below this directory (created if\n"+
		"missing, kept on exit) instead of a temporary one")
)

// newModel is the simulator's model for the mode the flags ask for.
func newModel(o options) *simulator.Model {
	if *esxMode {
		model := simulator.ESX()
		model.Machine, model.Datastore = o.vms, o.datastores
		return model
	}
	model := simulator.VPX()
	model.Host, model.Cluster, model.ClusterHost = 0, 1, o.hosts
	model.Machine, model.Datastore = o.vms, o.datastores
	return model
}

// nfsDirectory is the directory holding the NFS datastores' directories, and how to clean it up on exit:
// -nfs-root's directory is kept, a temporary one removed.
func nfsDirectory() (string, func(), error) {
	if *nfsRoot != "" {
		return *nfsRoot, func() {}, os.MkdirAll(*nfsRoot, 0o755)
	}
	dir, err := os.MkdirTemp("", "vcsim-nfs-")
	if err != nil {
		return "", nil, err
	}
	return dir, func() { _ = os.RemoveAll(dir) }, nil
}
