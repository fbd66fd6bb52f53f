//! A client's progress events: queued for polling (the `events` call), or handed to a C
//! callback as they happen.

use std::collections::VecDeque;
use std::ffi::{CString, c_char, c_void};
use std::sync::{Arc, Mutex, PoisonError};

use vmrotate::{Event, EventSink};

/// A C function receiving each progress event as JSON text (valid only during the call),
/// with the `user_data` it was registered with. It runs on the client's worker threads,
/// possibly on several at once, and must return quickly and never unwind.
pub type VmrEventCallback =
    Option<unsafe extern "C" fn(event_json: *const c_char, user_data: *mut c_void)>;

/// How many undelivered events a client keeps for polling; older ones are dropped first.
const QUEUE_LIMIT: usize = 1024;

/// Where a client's events go.
#[derive(Default)]
pub(crate) struct EventHub {
    queue: Mutex<VecDeque<Event>>,
    callback: Mutex<Option<Callback>>,
}

/// A registered callback and its user data.
#[derive(Clone, Copy)]
struct Callback {
    function: unsafe extern "C" fn(*const c_char, *mut c_void),
    user_data: *mut c_void,
}

// SAFETY: `user_data` is opaque here and only handed back to `function`; registering a
// callback, the caller promises both may be used from any thread (see `VmrEventCallback`).
unsafe impl Send for Callback {}
// SAFETY: as above; the callback is only read, copied out of its mutex.
unsafe impl Sync for Callback {}

impl EventHub {
    /// Sends later events to `callback` with `user_data` instead of the queue; `None` goes
    /// back to queueing.
    pub(crate) fn set_callback(&self, callback: VmrEventCallback, user_data: *mut c_void) {
        let callback = callback.map(|function| Callback {
            function,
            user_data,
        });
        *self.callback.lock().unwrap_or_else(PoisonError::into_inner) = callback;
    }

    /// The queued events, oldest first; the queue is empty afterwards.
    pub(crate) fn drain(&self) -> Vec<Event> {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        queue.drain(..).collect()
    }

    /// An [`EventSink`] feeding this hub, for the library's runs.
    pub(crate) fn sink(self: &Arc<Self>) -> EventSink {
        let hub = Arc::clone(self);
        Arc::new(move |event: &Event| hub.deliver(event))
    }

    fn deliver(&self, event: &Event) {
        let callback = *self.callback.lock().unwrap_or_else(PoisonError::into_inner);
        match callback {
            Some(callback) => callback.call(event),
            None => {
                let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
                if queue.len() == QUEUE_LIMIT {
                    queue.pop_front();
                }
                queue.push_back(event.clone());
            }
        }
    }
}

impl Callback {
    fn call(self, event: &Event) {
        // Events are strings and numbers: they serialize, and JSON has no NUL byte.
        let Ok(json) = serde_json::to_string(event) else {
            return;
        };
        let Ok(json) = CString::new(json) else {
            return;
        };
        // SAFETY: the caller registered a function taking a NUL-terminated string valid for
        // the call, and its own user data.
        unsafe { (self.function)(json.as_ptr(), self.user_data) };
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;

    fn finished(vm: &str) -> Event {
        Event::Finished { vm: vm.into() }
    }

    #[test]
    fn events_queue_until_drained_and_the_oldest_go_first_when_full() {
        let hub = Arc::new(EventHub::default());
        let sink = hub.sink();
        sink(&finished("a"));
        sink(&finished("b"));
        assert_eq!(hub.drain(), [finished("a"), finished("b")]);
        assert!(hub.drain().is_empty());
        for index in 0..=QUEUE_LIMIT {
            sink(&finished(&index.to_string()));
        }
        let kept = hub.drain();
        assert_eq!(kept.len(), QUEUE_LIMIT);
        assert_eq!(kept[0], finished("1"));
    }

    unsafe extern "C" fn collect(event_json: *const c_char, user_data: *mut c_void) {
        // SAFETY: the test registers a `Mutex<Vec<String>>` and the hub passes valid JSON.
        let seen = unsafe { &*(user_data as *const Mutex<Vec<String>>) };
        let json = unsafe { CStr::from_ptr(event_json) };
        seen.lock().unwrap().push(json.to_str().unwrap().to_owned());
    }

    #[test]
    fn a_callback_receives_events_instead_of_the_queue() {
        let seen = Mutex::new(Vec::<String>::new());
        let hub = Arc::new(EventHub::default());
        hub.set_callback(Some(collect), (&raw const seen).cast_mut().cast());
        hub.sink()(&finished("avocado2"));
        assert_eq!(
            *seen.lock().unwrap(),
            [r#"{"event":"finished","vm":"avocado2"}"#]
        );
        assert!(hub.drain().is_empty());
        hub.set_callback(None, std::ptr::null_mut());
        hub.sink()(&finished("avocado2"));
        assert_eq!(hub.drain().len(), 1);
        assert_eq!(seen.lock().unwrap().len(), 1);
    }
}
