// Command vcsim serves VMware's vCenter simulator (govmomi's simulator package) for vmrotate's tests.
//
// Inventory: datacenter DC0 with one cluster DC0_C0 of -hosts ESXi hosts (DC0_C0_H0, ...), -datastores
// local datastores (LocalDS_0, ...) and one NFS datastore per -nfs name, all mounted on every host, and
// -vms powered-on VMs IN TOTAL in the cluster's root pool (DC0_C0_RP0_VM0, ...), spread over the hosts.
//
// -tools-heartbeat-after makes powered-on VMs report a VMware Tools heartbeat (see tools_double.go).
// -esx serves a standalone ESXi host instead, and -nfs-root keeps the NFS datastores' directories in a
// given directory (see esx.go).
//
// -async-task makes the given *_Task methods run in the background as on a real vCenter, cancelable
// with CancelTask (see async_task.go); the simulator itself finishes every task before it answers.
//
// Prints the service URL (https://127.0.0.1:PORT/sdk, no credentials) on stdout once serving; runs until
// SIGINT or SIGTERM, then deletes its temporary directories and exits 0.
//
// Build (GOPATH mode, Debian's golang-github-vmware-govmomi-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o vcsim .
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/types"
)

// firstVM is the name the simulator's model gives the first VM of the cluster's root pool.
const firstVM = "DC0_C0_RP0_VM0"

// names collects a repeatable, comma-separated flag such as -nfs NFS_durian,NFS_mango.
type names []string

func (n *names) String() string { return strings.Join(*n, ",") }

func (n *names) Set(value string) error {
	for _, name := range strings.Split(value, ",") {
		if name = strings.TrimSpace(name); name == "" || strings.Contains(name, "/") {
			return fmt.Errorf("invalid name %q: must be non-empty and contain no '/'", name)
		}
		*n = append(*n, name)
	}
	return nil
}

// delays collects -method-delay Method=ms,... into the simulator's per-method delay map.
type delays map[string]int

func (d delays) String() string { return fmt.Sprint(map[string]int(d)) }

func (d delays) Set(value string) error {
	for _, pair := range strings.Split(value, ",") {
		method, ms, found := strings.Cut(strings.TrimSpace(pair), "=")
		millis, err := strconv.Atoi(ms)
		if !found || method == "" || err != nil || millis < 0 {
			return fmt.Errorf("invalid method delay %q: want Method=milliseconds", pair)
		}
		d[method] = millis
	}
	return nil
}

// options are the command-line flags.
type options struct {
	listen, username, password, vmName  string
	tlsCert, tlsKey, traceFile, urlFile string
	hosts, vms, datastores              int
	nfs                                 names
	methodDelays, asyncTasks            delays
	sessionIdleTimeout                  time.Duration
	watchStdin                          bool
}

func main() {
	o := options{methodDelays: delays{}, asyncTasks: delays{}}
	flag.StringVar(&o.listen, "listen", "127.0.0.1:0", "host:port to serve on (port 0 picks a free port)")
	flag.StringVar(&o.username, "username", "vmrotate", "the only user name Login accepts")
	flag.StringVar(&o.password, "password", "vmrotate-secret", "the only password Login accepts")
	flag.IntVar(&o.hosts, "hosts", 1, "ESXi hosts in cluster DC0_C0 (at least 1)")
	flag.IntVar(&o.vms, "vms", 1, "VMs in total, in the cluster's root resource pool")
	flag.IntVar(&o.datastores, "datastores", 1, "local datastores LocalDS_N, mounted on every host")
	flag.Var(&o.nfs, "nfs", "NFS datastore name mounted on every host (repeatable or comma-separated)")
	flag.StringVar(&o.vmName, "vm-name", "", "rename the first VM ("+firstVM+") to this name")
	flag.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate to serve HTTPS with (needs -tls-key)")
	flag.StringVar(&o.tlsKey, "tls-key", "", "PEM private key of -tls-cert")
	flag.DurationVar(&o.sessionIdleTimeout, "session-idle-timeout", 0, "expire sessions idle this long (0: never)")
	flag.Var(o.methodDelays, "method-delay", "sleep before methods, e.g. CloneVM_Task=3000,Destroy_Task=100 (ms)")
	flag.Var(o.asyncTasks, "async-task", "answer these methods at once with a running, cancelable task; the method runs after the\n"+
		"duration unless CancelTask comes first, e.g. CloneVM_Task=6000 (ms; see async_task.go)")
	flag.StringVar(&o.traceFile, "trace-file", "", "write the raw SOAP traffic to this file")
	flag.StringVar(&o.urlFile, "url-file", "", "write the service URL (no credentials) here once serving")
	flag.BoolVar(&o.watchStdin, "watch-stdin", false, "also stop when stdin reaches end of file (its parent died)")
	flag.Parse()

	if err := run(o); err != nil {
		log.Fatalf("vcsim: %v", err)
	}
}

// run builds the inventory, serves it until SIGINT or SIGTERM, then removes its temporary directories.
func run(o options) error {
	switch {
	case o.hosts < 1 || o.vms < 0 || o.datastores < 0:
		return errors.New("-hosts must be at least 1, -vms and -datastores at least 0")
	case o.vmName != "" && *esxMode:
		return errors.New("-vm-name renames " + firstVM + ", which -esx does not make")
	case o.vmName != "" && o.vms < 1:
		return errors.New("-vm-name needs at least one VM (-vms 1)")
	case (o.tlsCert == "") != (o.tlsKey == ""):
		return errors.New("-tls-cert and -tls-key go together")
	}
	for method, ms := range o.asyncTasks {
		if ms < 1 {
			return fmt.Errorf("-async-task %s: the duration must be at least 1 ms", method)
		}
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	if o.watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop <- syscall.SIGTERM
		}()
	}

	model := newModel(o)
	defer model.Remove()
	if err := model.Create(); err != nil {
		return err
	}
	nfsDir, cleanup, err := nfsDirectory()
	if err != nil {
		return err
	}
	defer cleanup()
	if err := customize(model, nfsDir, o); err != nil {
		return err
	}

	startToolsDouble() // see tools_double.go
	// Set after customize so that its calls are neither delayed nor traced.
	model.DelayConfig.MethodDelay = o.methodDelays
	simulator.SessionIdleTimeout = o.sessionIdleTimeout
	if o.traceFile != "" {
		trace, err := os.Create(o.traceFile)
		if err != nil {
			return err
		}
		defer trace.Close()
		simulator.Trace, simulator.TraceFile = true, trace
	}
	// A Userinfo other than simulator.DefaultLogin makes Login accept only this pair.
	model.Service.Listen = &url.URL{Host: o.listen, User: url.UserPassword(o.username, o.password)}
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return err
		}
		model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	}

	// NewServer panics when it cannot listen (e.g. a restart on a port now taken): check first.
	probe, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	probe.Close()
	server := model.Service.NewServer()
	if len(o.asyncTasks) > 0 {
		// NewServer has started serving, but nobody knows the URL before it is printed below.
		server.Config.Handler = newAsyncTasks(server.Config.Handler, o.asyncTasks, o.username, o.password)
	}
	serviceURL := *server.URL
	serviceURL.User = nil
	if o.urlFile != "" {
		if err := writeAtomically(o.urlFile, serviceURL.String()+"\n"); err != nil {
			return err
		}
	}
	fmt.Println(serviceURL.String())
	<-stop
	return nil
}

// customize mounts the NFS datastores and renames the first VM, through an in-process client.
func customize(model *simulator.Model, nfsRoot string, o options) error {
	ctx := context.Background()
	client, err := vim25.NewClient(ctx, model.Service)
	if err != nil {
		return err
	}
	finder := find.NewFinder(client, false)
	dc, err := finder.DefaultDatacenter(ctx)
	if err != nil {
		return err
	}
	finder.SetDatacenter(dc)
	if err := mountNFS(ctx, finder, nfsRoot, o.nfs); err != nil {
		return err
	}
	listMounts()
	if o.vmName == "" {
		return nil
	}
	vm, err := finder.VirtualMachine(ctx, firstVM)
	if err != nil {
		return err
	}
	task, err := vm.Rename(ctx, o.vmName)
	if err != nil {
		return err
	}
	return task.Wait(ctx)
}

// mountNFS creates, for each name, the directory root/name (if missing) and mounts it on every host with
// CreateNasDatastore: the simulator names a NAS datastore after the basename of its local path.
func mountNFS(ctx context.Context, finder *find.Finder, root string, datastores []string) error {
	hosts, err := finder.HostSystemList(ctx, "*")
	if err != nil {
		return err
	}
	for _, name := range datastores {
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("NFS datastore %s: %w", name, err)
		}
		spec := types.HostNasVolumeSpec{
			RemoteHost: "nfs.example.invalid",
			RemotePath: "/export/" + name,
			LocalPath:  dir,
			AccessMode: string(types.HostMountModeReadWrite),
			Type:       string(types.HostFileSystemVolumeFileSystemTypeNFS),
		}
		for _, host := range hosts {
			system, err := host.ConfigManager().DatastoreSystem(ctx)
			if err == nil {
				_, err = system.CreateNasDatastore(ctx, spec)
			}
			if err != nil {
				return fmt.Errorf("NFS datastore %s on %s: %w", name, host.Name(), err)
			}
		}
	}
	return nil
}

// listMounts fills every Datastore's host property from the hosts' datastore lists, as a real vCenter
// reports it: the simulator leaves it empty for NAS datastores and keeps only the last host for local ones.
func listMounts() {
	mounted := types.HostMountInfo{
		AccessMode: string(types.HostMountModeReadWrite),
		Mounted:    types.NewBool(true),
		Accessible: types.NewBool(true),
	}
	for _, ds := range simulator.Map.All("Datastore") {
		ds.(*simulator.Datastore).Host = nil
	}
	for _, entity := range simulator.Map.All("HostSystem") {
		host := entity.(*simulator.HostSystem)
		for _, ref := range host.Datastore {
			ds := simulator.Map.Get(ref).(*simulator.Datastore)
			ds.Host = append(ds.Host, types.DatastoreHostMount{Key: host.Self, MountInfo: mounted})
		}
	}
}

// writeAtomically writes a temporary file beside path and renames it, so readers never see half of it.
func writeAtomically(path, content string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
