// A test double of VMware Tools: the simulator powers VMs on and off but never reports a Tools
// heartbeat. With -tools-heartbeat-after D, every VM that has been powered on for D reports
// guest.toolsRunningStatus guestToolsRunning and guestHeartbeatStatus green (as if its guest had
// booted and started Tools); a VM powered off reports guestToolsNotRunning and gray again. Without
// the flag (or with 0), no VM ever reports a heartbeat, as with the plain simulator.
//
// It polls the registry every 50 ms and publishes the changes with Map.Update, so property
// collector readers and WaitForUpdatesEx see them like any other change.
package main

import (
	"flag"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

var toolsHeartbeatAfter = flag.Duration("tools-heartbeat-after", 0,
	"test double of VMware Tools: a VM powered on for this long reports Tools running and a green\n"+
		"heartbeat (0: never, as the plain simulator)")

// startToolsDouble starts the double when -tools-heartbeat-after is set; it runs until the process exits.
func startToolsDouble() {
	delay := *toolsHeartbeatAfter
	if delay <= 0 {
		return
	}
	go func() {
		for range time.Tick(50 * time.Millisecond) {
			for _, entity := range simulator.Map.All("VirtualMachine") {
				vm := entity.(*simulator.VirtualMachine)
				simulator.Map.WithLock(vm, func() { updateTools(vm, delay) })
			}
		}
	}()
}

// updateTools reports Tools running on vm once it has been on for delay, and not running once off.
func updateTools(vm *simulator.VirtualMachine, delay time.Duration) {
	running := vm.Guest != nil && vm.Guest.ToolsRunningStatus == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
	on := vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn
	boot := vm.Summary.Runtime.BootTime
	switch {
	case on && !running && boot != nil && time.Since(*boot) >= delay:
		setTools(vm, types.VirtualMachineToolsRunningStatusGuestToolsRunning, types.ManagedEntityStatusGreen)
	case !on && running:
		setTools(vm, types.VirtualMachineToolsRunningStatusGuestToolsNotRunning, types.ManagedEntityStatusGray)
	}
}

func setTools(vm *simulator.VirtualMachine, tools types.VirtualMachineToolsRunningStatus, heartbeat types.ManagedEntityStatus) {
	if vm.Guest == nil {
		vm.Guest = &types.GuestInfo{}
	}
	simulator.Map.Update(vm, []types.PropertyChange{
		{Name: "guest.toolsRunningStatus", Val: string(tools)},
		{Name: "guestHeartbeatStatus", Val: heartbeat},
		{Name: "summary.quickStats.guestHeartbeatStatus", Val: heartbeat},
	})
}
