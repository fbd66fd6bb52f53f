package main

// A test double of vCenter's asynchronous tasks. The simulator runs every *_Task method to the end
// before it answers, so no client ever sees a task running and CancelTask does not exist. For the
// methods given to -async-task, asyncTasks answers at once with a running, cancelable task whose
// progress advances; after the method's duration it replays the request against the simulator in a
// session of its own (so the work happens even if the caller has gone) and copies the outcome of the
// simulator's task into the visible one. CancelTask before then ends the task with RequestCanceled,
// and the method never runs.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vim25/xml"
)

// progressInterval is how often a running task's info.progress advances.
const progressInterval = 500 * time.Millisecond

var taskManager = types.ManagedObjectReference{Type: "TaskManager", Value: "TaskManager"}

// asyncTasks wraps the simulator's HTTP handler; see the top of this file.
type asyncTasks struct {
	inner              http.Handler
	durations          map[string]time.Duration
	username, password string

	mu      sync.Mutex
	pending map[types.ManagedObjectReference]*pending // every task it made, by moref
}

// pending is one task made by asyncTasks.
type pending struct {
	task     *simulator.Task
	canceled chan struct{} // closed by CancelTask
	// cancelable until CancelTask closes canceled or the method starts running; guarded by asyncTasks.mu.
	cancelable bool
}

// call is a request to replay: its URL path, headers and SOAP envelope.
type call struct {
	path   string
	header http.Header
	body   []byte
}

// request is what asyncTasks reads of a SOAP request: the method and the object it is called on.
type request struct {
	Body struct {
		Call struct {
			XMLName xml.Name
			This    types.ManagedObjectReference `xml:"_this"`
		} `xml:",any"`
	} `xml:"Body"`
}

func newAsyncTasks(inner http.Handler, millis map[string]int, username, password string) *asyncTasks {
	durations := make(map[string]time.Duration, len(millis))
	for method, ms := range millis {
		durations[method] = time.Duration(ms) * time.Millisecond
	}
	return &asyncTasks{
		inner:     inner,
		durations: durations,
		username:  username,
		password:  password,
		pending:   make(map[types.ManagedObjectReference]*pending),
	}
}

func (a *asyncTasks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		a.inner.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var req request
	_ = xml.Unmarshal(body, &req) // what does not parse goes to the simulator, which says why
	method, this := req.Body.Call.XMLName.Local, req.Body.Call.This
	duration, async := a.durations[method]
	entity := simulator.Map.Get(this)
	switch {
	case method == "CancelTask" && a.knows(this) && a.authenticated(r):
		a.cancel(w, this)
	case async && entity != nil && a.authenticated(r):
		task := a.start(entity, method, duration, call{r.URL.Path, r.Header.Clone(), body})
		respond(w, http.StatusOK, fmt.Sprintf(`<%sResponse xmlns="urn:vim25"><returnval type="Task">%s</returnval></%[1]sResponse>`,
			method, escape(task.Value)))
	default:
		a.inner.ServeHTTP(w, r)
	}
}

// start makes the running task for a call of method on entity, and does the work in the background.
func (a *asyncTasks) start(entity mo.Reference, method string, duration time.Duration, c call) types.ManagedObjectReference {
	// CreateTask names it after the method: CloneVM_Task, descriptionId VirtualMachine.cloneVM.
	id := strings.TrimSuffix(method, "_Task")
	task := simulator.CreateTask(entity, strings.ToLower(id[:1])+id[1:]+"Task", nil)
	p := &pending{task: task, canceled: make(chan struct{}), cancelable: true}
	a.mu.Lock()
	a.pending[task.Self] = p
	a.mu.Unlock()

	name := entity.Reference().Value
	if e, ok := entity.(mo.Entity); ok {
		simulator.Map.WithLock(entity, func() { name = e.Entity().Name })
	}
	update(task, []types.PropertyChange{
		{Name: "info.entityName", Val: name},
		{Name: "info.reason", Val: &types.TaskReasonUser{UserName: a.username}}, // the only user Login accepts
		{Name: "info.state", Val: types.TaskInfoStateRunning},
		{Name: "info.startTime", Val: time.Now()},
		{Name: "info.cancelable", Val: true},
	})
	setRecentTask(entity, task.Self, true)
	go a.work(p, entity, duration, c)
	return task.Self
}

// work advances the task's progress until its duration is over or it is canceled, then finishes it.
func (a *asyncTasks) work(p *pending, entity mo.Reference, duration time.Duration, c call) {
	started := time.Now()
	deadline := time.NewTimer(duration)
	defer deadline.Stop()
	ticker := time.NewTicker(progressInterval)
	defer ticker.Stop()
	var result types.AnyType
	var fault *types.LocalizedMethodFault
	canceled := false
loop:
	for {
		select {
		case <-ticker.C:
			percent := int32(time.Since(started) * 100 / duration)
			if percent > 99 {
				percent = 99
			}
			update(p.task, []types.PropertyChange{{Name: "info.progress", Val: percent}})
		case <-p.canceled:
			canceled = true
			break loop
		case <-deadline.C:
			if canceled = !a.claim(p); !canceled {
				update(p.task, []types.PropertyChange{{Name: "info.cancelable", Val: false}})
				result, fault = a.replay(c)
			}
			break loop
		}
	}
	if canceled {
		fault = &types.LocalizedMethodFault{Fault: &types.RequestCanceled{}, LocalizedMessage: "The task was canceled by a user."}
	}
	outcome := []types.PropertyChange{
		{Name: "info.state", Val: types.TaskInfoStateSuccess},
		{Name: "info.result", Val: result},
		{Name: "info.progress", Val: int32(100)},
	}
	if fault != nil { // an untyped nil for no error: a nil *LocalizedMethodFault would become an empty one
		outcome = []types.PropertyChange{{Name: "info.state", Val: types.TaskInfoStateError}, {Name: "info.error", Val: fault}}
	}
	update(p.task, append([]types.PropertyChange{
		{Name: "info.cancelable", Val: false},
		{Name: "info.cancelled", Val: canceled},
		{Name: "info.completeTime", Val: time.Now()},
	}, outcome...))
	setRecentTask(entity, p.task.Self, false)
}

// claim ends the task's cancelable time so the method can run; false if CancelTask came first.
func (a *asyncTasks) claim(p *pending) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	select {
	case <-p.canceled:
		return false
	default:
		p.cancelable = false
		return true
	}
}

// knows tells whether task is one of asyncTasks' tasks.
func (a *asyncTasks) knows(task types.ManagedObjectReference) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pending[task] != nil
}

// cancel answers CancelTask on one of asyncTasks' tasks: InvalidState once it is no longer cancelable.
func (a *asyncTasks) cancel(w http.ResponseWriter, task types.ManagedObjectReference) {
	a.mu.Lock()
	p := a.pending[task]
	cancelable := p.cancelable
	if cancelable {
		p.cancelable = false
		close(p.canceled)
	}
	a.mu.Unlock()
	if cancelable {
		respond(w, http.StatusOK, `<CancelTaskResponse xmlns="urn:vim25"></CancelTaskResponse>`)
		return
	}
	respond(w, http.StatusInternalServerError, fmt.Sprintf(
		`<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>%s can no longer be canceled</faultstring><detail><InvalidStateFault xmlns="urn:vim25" xsi:type="InvalidState"></InvalidStateFault></detail></soapenv:Fault>`,
		escape(task.Value)))
}

// authenticated tells whether the request's session is logged in, by calling CurrentTime in it.
func (a *asyncTasks) authenticated(r *http.Request) bool {
	const currentTime = `<CurrentTime xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></CurrentTime>`
	return a.post(r.URL.Path, r.Header, []byte(envelope(currentTime))).Code == http.StatusOK
}

// replay runs the original request in a session of its own and returns the outcome of the task it
// starts; the simulator's task is removed, so only the visible one remains. A panic of the simulator
// (e.g. the destination folder was destroyed meanwhile) fails the task rather than the launcher.
func (a *asyncTasks) replay(c call) (result types.AnyType, fault *types.LocalizedMethodFault) {
	defer func() {
		if p := recover(); p != nil {
			result, fault = nil, systemError(fmt.Sprintf("the simulator failed: %v", p))
		}
	}()
	login := fmt.Sprintf(`<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>%s</userName><password>%s</password></Login>`,
		escape(a.username), escape(a.password))
	session := http.Header{"Content-Type": c.header.Values("Content-Type"), "Soapaction": c.header.Values("Soapaction")}
	for _, cookie := range a.post(c.path, session, []byte(envelope(login))).Result().Cookies() {
		session.Add("Cookie", cookie.Name+"="+cookie.Value)
	}
	reply := a.post(c.path, session, c.body)
	a.post(c.path, session, []byte(envelope(`<Logout xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this></Logout>`)))

	var res struct {
		Body struct {
			Fault    *soap.Fault `xml:"Fault"`
			Response struct {
				Returnval types.ManagedObjectReference `xml:"returnval"`
			} `xml:",any"`
		} `xml:"Body"`
	}
	decoder := xml.NewDecoder(reply.Body)
	decoder.TypeFunc = types.TypeFunc()
	if err := decoder.Decode(&res); err != nil {
		return nil, systemError(fmt.Sprintf("cannot decode the replayed call's response: %v", err))
	}
	if f := res.Body.Fault; f != nil {
		if fault, ok := f.Detail.Fault.(types.BaseMethodFault); ok {
			return nil, &types.LocalizedMethodFault{Fault: fault, LocalizedMessage: f.String}
		}
		return nil, systemError(f.String)
	}
	inner, ok := simulator.Map.Get(res.Body.Response.Returnval).(*simulator.Task)
	if !ok {
		return nil, systemError(fmt.Sprintf("the replayed call returned %v, not a task", res.Body.Response.Returnval))
	}
	var info types.TaskInfo
	simulator.Map.WithLock(inner, func() { info = inner.Info })
	forget(inner.Self)
	return info.Result, info.Error
}

// post calls the simulator's handler directly with body and header.
func (a *asyncTasks) post(path string, header http.Header, body []byte) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	for _, name := range []string{"Content-Type", "Soapaction", "Cookie"} {
		r.Header[name] = header.Values(name)
	}
	w := httptest.NewRecorder()
	a.inner.ServeHTTP(w, r)
	return w
}

// update applies changes to obj under its lock, notifying property collectors.
func update(obj mo.Reference, changes []types.PropertyChange) {
	simulator.Map.WithLock(obj, func() { simulator.Map.Update(obj, changes) })
}

// setRecentTask adds task to, or removes it from, the entity's recentTask (the simulator leaves it empty).
func setRecentTask(entity mo.Reference, task types.ManagedObjectReference, add bool) {
	e, ok := entity.(mo.Entity)
	if !ok {
		return
	}
	simulator.Map.WithLock(entity, func() {
		recent := withoutTask(e.Entity().RecentTask, task)
		if add {
			recent = append(recent, task)
		}
		simulator.Map.Update(entity, []types.PropertyChange{{Name: "recentTask", Val: recent}})
	})
}

// forget removes a task from the TaskManager's recentTask and from the inventory.
func forget(task types.ManagedObjectReference) {
	m := simulator.Map.Get(taskManager).(*simulator.TaskManager)
	simulator.Map.WithLock(m, func() {
		simulator.Map.Update(m, []types.PropertyChange{{Name: "recentTask", Val: withoutTask(m.RecentTask, task)}})
	})
	simulator.Map.Remove(task)
}

// withoutTask is a copy of tasks without task.
func withoutTask(tasks []types.ManagedObjectReference, task types.ManagedObjectReference) []types.ManagedObjectReference {
	kept := make([]types.ManagedObjectReference, 0, len(tasks))
	for _, t := range tasks {
		if t != task {
			kept = append(kept, t)
		}
	}
	return kept
}

func systemError(reason string) *types.LocalizedMethodFault {
	return &types.LocalizedMethodFault{Fault: &types.SystemError{Reason: reason}, LocalizedMessage: reason}
}

// respond writes a SOAP envelope around body.
func respond(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, envelope(body))
}

func envelope(body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>` +
		`<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<soapenv:Body>` + body + `</soapenv:Body></soapenv:Envelope>`
}

func escape(text string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(text))
	return b.String()
}
