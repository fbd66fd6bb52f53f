//! [`VmrClient`]: a logged-in connection with its own Tokio runtime.

use std::ffi::c_void;
use std::sync::Arc;

use tokio::runtime::{Builder, Runtime};
use vmrotate::vsphere_client::Client;

use crate::call::{CallReply, CallRequest};
use crate::cancel::InFlight;
use crate::connect::{ConnectRequest, ServerInfo};
use crate::error::AbiError;
use crate::events::{EventHub, VmrEventCallback};

/// Worker threads per client: the work is waiting on vCenter, so two are plenty.
const WORKER_THREADS: usize = 2;

/// A connection to vCenter, logged in, with the Tokio runtime its calls run on. The C ABI
/// hands it out as an opaque pointer (`vmr_client_new`) and takes it back (`vmr_client_free`).
///
/// Each client owns its runtime, so clients are independent of each other and of any runtime
/// the host process has. Calls block the calling thread; several threads may call one client
/// at once (e.g. one backs up while another polls events), and any thread may cancel the
/// calls in flight (`vmr_cancel`).
pub struct VmrClient {
    client: Client,
    events: Arc<EventHub>,
    calls: InFlight,
    // Last, so it is dropped after the client whose tasks it runs.
    runtime: Runtime,
}

impl VmrClient {
    /// Starts a runtime, connects and logs in.
    ///
    /// # Errors
    /// `internal` when no runtime starts; the library's connect errors (`config`, `login`,
    /// `vsphere`).
    pub(crate) fn connect(request: ConnectRequest) -> Result<(VmrClient, ServerInfo), AbiError> {
        let options = request.into_options()?;
        let runtime = Builder::new_multi_thread()
            .worker_threads(WORKER_THREADS)
            .thread_name("vmrotate-native")
            .enable_all()
            .build()
            .map_err(AbiError::Runtime)?;
        let client = runtime.block_on(options.connect())?;
        let info = ServerInfo::of(&options, &client);
        let client = VmrClient {
            client,
            events: Arc::default(),
            calls: InFlight::default(),
            runtime,
        };
        Ok((client, info))
    }

    /// Runs `request` to its end on this client's runtime.
    ///
    /// # Errors
    /// The library's errors for the request.
    pub(crate) fn call(&self, request: CallRequest) -> Result<CallReply, AbiError> {
        let call = self.calls.enter();
        self.runtime
            .block_on(request.run(&self.client, &self.events, call.stop()))
    }

    /// Requests the stop of the calls running on this client (from any thread); returns how
    /// many there were.
    pub(crate) fn cancel(&self) -> usize {
        self.calls.cancel()
    }

    /// Delivers later progress events to `callback` (see [`VmrEventCallback`]).
    pub(crate) fn set_event_callback(&self, callback: VmrEventCallback, user_data: *mut c_void) {
        self.events.set_callback(callback, user_data);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Several threads may call one client at once (see the type's documentation).
    #[test]
    fn clients_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<VmrClient>();
    }
}
