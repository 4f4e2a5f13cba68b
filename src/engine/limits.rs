//! Byte bounds on etcd traffic, and the errors etcd's own limits produce.
//!
//! etcd refuses a request larger than `--max-request-bytes` (1.5 MiB by
//! default) and a txn with more than `--max-txn-ops` (128) ops; gRPC
//! refuses a message larger than the receiver's limit (tonic's default is
//! 4 MiB, which a batch of a few 1 MB znodes already exceeds). So:
//! - requests: at most [`encode_limit`], checked before sending;
//! - read batches: formed to stay under [`BATCH_BYTES`] of expected answer
//!   (see `batch.rs`), and decoded with [`BATCH_DECODE_LIMIT`]: a batch
//!   whose answer turns out larger is split and retried, never failing a
//!   neighbour;
//! - a single read or a write: decoded with [`decode_limit`], large enough
//!   for anything one op can answer (a write's outcome must never be lost
//!   to a decode limit after etcd applied it).

use crate::znode::ZkError;

/// etcd's default `--max-request-bytes`.
pub const ETCD_MAX_REQUEST_BYTES: usize = 3 * 512 * 1024;

/// etcd's default `--max-txn-ops`.
pub const ETCD_MAX_TXN_OPS: usize = 128;

/// Room for keys, ACLs and framing beside a znode's data in one request
/// (etcd allows its gRPC messages the same 512 KiB over the limit).
const OVERHEAD: usize = 512 * 1024;

/// Expected answer bytes a read batch is formed to stay under.
pub const BATCH_BYTES: usize = 4 * 1024 * 1024;

/// A batch's answer larger than this fails fast and is split.
pub const BATCH_DECODE_LIMIT: usize = 16 * 1024 * 1024;

/// The largest request we send: the data limit plus room for the rest.
pub fn encode_limit(max_data: usize) -> usize {
    max_data.max(ETCD_MAX_REQUEST_BYTES) + OVERHEAD
}

/// The largest answer we accept for one txn: every op of a full txn
/// returning a node of the largest data, and at least 256 MiB, enough for
/// the names of about three million children in one getChildren (a
/// ZooKeeper server's `jute.maxbuffer` stops far earlier).
pub fn decode_limit(max_data: usize) -> usize {
    (ETCD_MAX_TXN_OPS * (max_data + 64 * 1024)).max(256 * 1024 * 1024)
}

/// A failure caused by a size limit, sorted out of a gRPC status.
pub enum SizeFailure {
    /// Our answer was larger than the decode limit we set: the request
    /// may have run; a read can be retried in smaller pieces.
    AnswerTooLarge(String),
    /// The request itself is larger than we or etcd accept: refused as
    /// BADARGUMENTS, sending it again cannot help.
    RequestTooLarge(ZkError),
}

/// Names the size limit behind a gRPC status, if one is.
pub fn size_failure(status: &tonic::Status) -> Option<SizeFailure> {
    let msg = status.message();
    if msg.contains("decoded message length too large") {
        return Some(SizeFailure::AnswerTooLarge(msg.to_string()));
    }
    let refused = |what: String| Some(SizeFailure::RequestTooLarge(ZkError::bad_arguments(what)));
    if msg.contains("encoded message length too large") {
        return refused(format!(
            "request too large for etcd ({msg}); raise etcd's --max-request-bytes and max_data_bytes together"
        ));
    }
    if msg.contains("request is too large") || msg.contains("received message larger than max") {
        return refused(format!(
            "etcd refused the request as larger than its --max-request-bytes (default {ETCD_MAX_REQUEST_BYTES} bytes): {msg}"
        ));
    }
    if msg.contains("too many operations in txn request") {
        return refused(format!(
            "etcd refused a txn of more than its --max-txn-ops (default {ETCD_MAX_TXN_OPS}) ops: {msg}"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_follow_the_data_limit() {
        assert_eq!(encode_limit(1024 * 1024), ETCD_MAX_REQUEST_BYTES + OVERHEAD);
        assert_eq!(encode_limit(8 << 20), (8 << 20) + OVERHEAD);
        assert!(decode_limit(1024 * 1024) >= 256 << 20);
        assert!(decode_limit(4 << 20) > 128 * (4 << 20));
        assert!(BATCH_BYTES < BATCH_DECODE_LIMIT && BATCH_DECODE_LIMIT < decode_limit(0));
    }

    #[test]
    fn size_errors_are_named() {
        let s = tonic::Status::invalid_argument("etcdserver: request is too large");
        match size_failure(&s) {
            Some(SizeFailure::RequestTooLarge(e)) => {
                assert!(e.message.contains("--max-request-bytes"), "{}", e.message)
            }
            _ => panic!("not sorted as a request size failure"),
        }
        let s = tonic::Status::out_of_range(
            "Error, decoded message length too large: found 5 bytes, the limit is: 4 bytes",
        );
        assert!(matches!(size_failure(&s), Some(SizeFailure::AnswerTooLarge(_))));
        assert!(size_failure(&tonic::Status::unavailable("connection refused")).is_none());
    }
}
