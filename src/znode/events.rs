//! The change list a multi records when its node keys alone would not tell
//! other clients what happened (see `keys::Keys::multi_events`): the ops'
//! changes in order, so watches fire as ZooKeeper fires them, one txn of
//! the multi after another.

use super::code::{Code, ZkError, ZkResult};

/// A change to one znode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Created,
    DataChanged,
    Deleted,
}

/// Format tag of the encoding below, so a later format is told apart.
const FORMAT: u8 = 1;

impl Change {
    fn tag(self) -> u8 {
        match self {
            Change::Created => b'c',
            Change::DataChanged => b's',
            Change::Deleted => b'd',
        }
    }

    fn from_tag(tag: u8) -> Option<Change> {
        match tag {
            b'c' => Some(Change::Created),
            b's' => Some(Change::DataChanged),
            b'd' => Some(Change::Deleted),
            _ => None,
        }
    }
}

/// `[FORMAT]` then, per change, `[tag][server path][0]` (a path never holds
/// a zero byte).
pub fn encode_changes(changes: &[(String, Change)]) -> Vec<u8> {
    let mut v = vec![FORMAT];
    for (path, change) in changes {
        v.push(change.tag());
        v.extend_from_slice(path.as_bytes());
        v.push(0);
    }
    v
}

pub fn decode_changes(value: &[u8]) -> ZkResult<Vec<(String, Change)>> {
    let bad = || ZkError::new(Code::DataInconsistency, "stored multi change list is not in kafka-etcd's format");
    let (&format, mut rest) = value.split_first().ok_or_else(bad)?;
    if format != FORMAT {
        return Err(bad());
    }
    let mut out = Vec::new();
    while let Some((&tag, tail)) = rest.split_first() {
        let change = Change::from_tag(tag).ok_or_else(bad)?;
        let end = tail.iter().position(|&b| b == 0).ok_or_else(bad)?;
        let path = std::str::from_utf8(&tail[..end]).map_err(|_| bad())?;
        out.push((path.to_string(), change));
        rest = &tail[end + 1..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_order() {
        let changes = vec![
            ("/controller_epoch".to_string(), Change::DataChanged),
            ("/controller".to_string(), Change::Deleted),
            ("/controller".to_string(), Change::Created),
        ];
        assert_eq!(decode_changes(&encode_changes(&changes)).unwrap(), changes);
        assert!(decode_changes(&encode_changes(&[])).unwrap().is_empty());
        assert!(decode_changes(b"").is_err());
        assert!(decode_changes(b"\x01c/no-end").is_err());
        assert!(decode_changes(b"\x02").is_err());
    }
}
