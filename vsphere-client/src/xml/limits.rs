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
    max_nodes: usize,
}

impl DecodeLimits {
    /// The default maximum element nesting depth.
    pub const DEFAULT_MAX_DEPTH: usize = 128;
    /// The default maximum body size in bytes (512 MiB).
    pub const DEFAULT_MAX_BODY_BYTES: usize = 512 * 1024 * 1024;
    /// The default node budget: 8 million (elements, plus one node per
    /// [`NODE_BYTES`](Self::NODE_BYTES) of each decoded data object), so at most about
    /// 512 MiB of decoded data objects, the size of the largest body.
    pub const DEFAULT_MAX_NODES: usize = 8 * 1024 * 1024;
    /// How many bytes of a decoded data object one node of the budget stands for.
    pub const NODE_BYTES: usize = 64;

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

    /// The node budget of one body: each element costs a node, and each data object decoded
    /// one more node per [`NODE_BYTES`](Self::NODE_BYTES) of its size. An empty element can
    /// decode into a whole data object with all its fields, so a body far under
    /// [`max_body_bytes`](Self::max_body_bytes) could otherwise expand into gigabytes of
    /// values; this bounds it. Spent with
    /// [`DecodeErrorKind::TooManyNodes`](crate::xml::DecodeErrorKind::TooManyNodes).
    pub fn max_nodes(&self) -> usize {
        self.max_nodes
    }

    /// Returns these limits with another node budget.
    #[must_use]
    pub fn with_max_nodes(mut self, max_nodes: usize) -> Self {
        self.max_nodes = max_nodes;
        self
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

// The default node budget bounds the decoded data objects to the size of the largest body.
const _: () = assert!(
    DecodeLimits::DEFAULT_MAX_NODES * DecodeLimits::NODE_BYTES
        <= DecodeLimits::DEFAULT_MAX_BODY_BYTES
);

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
            max_nodes: Self::DEFAULT_MAX_NODES,
        }
    }
}
