//! Resource limits applied while decoding untrusted XML.

/// Bounds on what the decoder accepts, so a hostile or broken server cannot exhaust the stack or
/// memory of the client.
///
/// The defaults fit every vim25 response seen in practice with a wide margin. Build other values
/// from [`DecodeLimits::default`] with the `with_*` methods:
///
/// ```
/// use vsphere_client::xml::DecodeLimits;
///
/// let limits = DecodeLimits::default().with_max_depth(32);
/// assert_eq!(limits.max_depth(), 32);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    max_depth: usize,
    max_body_bytes: usize,
}

impl DecodeLimits {
    /// The default maximum element nesting depth.
    pub const DEFAULT_MAX_DEPTH: usize = 128;
    /// The default maximum body size in bytes (512 MiB).
    pub const DEFAULT_MAX_BODY_BYTES: usize = 512 * 1024 * 1024;

    /// How deeply elements may nest (the SOAP envelope counts). Deeper input is rejected with
    /// [`DecodeErrorKind::TooDeep`](crate::xml::DecodeErrorKind::TooDeep) before any recursion
    /// can overflow the stack.
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// The largest body, in bytes, that the decoder accepts.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// Returns these limits with another maximum nesting depth.
    #[must_use]
    pub fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// Returns these limits with another maximum body size in bytes.
    #[must_use]
    pub fn with_max_body_bytes(mut self, max_body_bytes: usize) -> Self {
        self.max_body_bytes = max_body_bytes;
        self
    }
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
        }
    }
}
