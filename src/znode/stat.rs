//! ZooKeeper's `Stat`, the ACL type, and how znode values are stored.

use super::code::{Code, ZkError, ZkResult};
use super::keys::ZXIDS_PER_REVISION;

/// ZooKeeper's `org.apache.zookeeper.data.Stat`, field for field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stat {
    pub czxid: i64,
    pub mzxid: i64,
    pub ctime: i64,
    pub mtime: i64,
    pub version: i32,
    pub cversion: i32,
    pub aversion: i32,
    pub ephemeral_owner: i64,
    pub data_length: i32,
    pub num_children: i32,
    pub pzxid: i64,
}

/// One ACL entry: permissions bits (READ 1, WRITE 2, CREATE 4, DELETE 8,
/// ADMIN 16), scheme and id, as ZooKeeper's `ACL`/`Id`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Acl {
    pub perms: i32,
    pub scheme: String,
    pub id: String,
}

impl Acl {
    pub const ALL: i32 = 31;

    /// `ZooDefs.Ids.OPEN_ACL_UNSAFE`.
    pub fn open_unsafe() -> Vec<Acl> {
        vec![Acl { perms: Acl::ALL, scheme: "world".into(), id: "anyone".into() }]
    }

    /// `ZooDefs.Ids.READ_ACL_UNSAFE`.
    pub fn read_unsafe() -> Vec<Acl> {
        vec![Acl { perms: 1, scheme: "world".into(), id: "anyone".into() }]
    }
}

/// Rejects ACL lists ZooKeeper's server would reject with INVALIDACL.
pub fn validate_acl(acl: &[Acl]) -> ZkResult<()> {
    if acl.is_empty() {
        return Err(ZkError::new(Code::InvalidAcl, "ACL list is empty"));
    }
    for a in acl {
        let known = matches!(a.scheme.as_str(), "world" | "auth" | "digest" | "ip" | "sasl" | "x509" | "super");
        if !known || a.perms & !Acl::ALL != 0 || (a.scheme == "world" && a.id != "anyone") {
            return Err(ZkError::new(
                Code::InvalidAcl,
                format!("invalid ACL entry {}:{} perms {}", a.scheme, a.id, a.perms),
            ));
        }
    }
    Ok(())
}

/// The place of a write in the etcd revision it committed at (its batch
/// position; 0 for a write sent alone): see `keys::zxid`.
pub type Sub = u8;

/// A decoded node key value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeValue {
    /// The sub of the write that put it (the mzxid's).
    pub sub: Sub,
    pub mtime: i64,
    pub data: Option<Vec<u8>>,
}

/// Bit 0 of a node value's first byte; the other bits hold the sub.
const HAS_DATA: u8 = 1;

pub fn encode_node(sub: Sub, mtime: i64, data: Option<&[u8]>) -> Vec<u8> {
    debug_assert!((sub as i64) < ZXIDS_PER_REVISION);
    let mut v = Vec::with_capacity(9 + data.map_or(0, <[u8]>::len));
    v.push((sub << 1) | if data.is_some() { HAS_DATA } else { 0 });
    v.extend_from_slice(&mtime.to_be_bytes());
    if let Some(d) = data {
        v.extend_from_slice(d);
    }
    v
}

pub fn decode_node(value: &[u8]) -> ZkResult<NodeValue> {
    if value.len() < 9 {
        return Err(corrupt("node value"));
    }
    let mtime = i64::from_be_bytes(value[1..9].try_into().unwrap());
    let data = (value[0] & HAS_DATA != 0).then(|| value[9..].to_vec());
    Ok(NodeValue { sub: value[0] >> 1, mtime, data })
}

/// The length of the data in an encoded node value, without copying it.
pub fn node_data_len(value: &[u8]) -> i32 {
    value.len().saturating_sub(9) as i32
}

/// Largest ctime the attribute key stores: its top byte holds the czxid's sub.
pub const MAX_CTIME: i64 = (1 << 56) - 1;

/// A decoded attribute key value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttrsValue {
    pub ctime: i64,
    /// The sub of the write that created the node (the czxid's).
    pub czxid_sub: Sub,
    pub acl: Vec<Acl>,
}

/// `ctime` must be within `0..=MAX_CTIME` (restore refuses others).
pub fn encode_attrs(ctime: i64, czxid_sub: Sub, acl: &[Acl]) -> Vec<u8> {
    debug_assert!((0..=MAX_CTIME).contains(&ctime) && (czxid_sub as i64) < ZXIDS_PER_REVISION);
    let mut v = Vec::with_capacity(8 + acl.len() * 24);
    v.extend_from_slice(&(((czxid_sub as i64) << 56) | (ctime & MAX_CTIME)).to_be_bytes());
    for a in acl {
        v.extend_from_slice(&a.perms.to_be_bytes());
        for s in [&a.scheme, &a.id] {
            v.extend_from_slice(&(s.len() as u32).to_be_bytes());
            v.extend_from_slice(s.as_bytes());
        }
    }
    v
}

/// The ctime and czxid sub at the head of an attribute key value, without
/// decoding the ACL. A negative stored ctime (top bit set) can only be a
/// restore's from before subs existed: it reads as it is, with sub 0.
pub fn decode_ctime(value: &[u8]) -> ZkResult<(i64, Sub)> {
    let raw = i64::from_be_bytes(Reader(value).take(8)?.try_into().unwrap());
    Ok(match (raw >> 56) as u8 {
        sub if (sub as i64) < ZXIDS_PER_REVISION => (raw & MAX_CTIME, sub),
        _ => (raw, 0),
    })
}

pub fn decode_attrs(value: &[u8]) -> ZkResult<AttrsValue> {
    let (ctime, czxid_sub) = decode_ctime(value)?;
    let mut r = Reader(&value[8..]);
    let mut acl = Vec::new();
    while !r.0.is_empty() {
        let perms = i32::from_be_bytes(r.take(4)?.try_into().unwrap());
        let scheme = r.string()?;
        let id = r.string()?;
        acl.push(Acl { perms, scheme, id });
    }
    Ok(AttrsValue { ctime, czxid_sub, acl })
}

/// The value of a counter shard or pzxid mark: the sub of the write that
/// put it, decimal (empty = 0).
pub fn encode_sub(sub: Sub) -> Vec<u8> {
    encode_offset(sub as i64)
}

/// [`encode_sub`]'s inverse; anything that is not a sub (only a store
/// edited by hand holds one) reads as 0.
pub fn decode_sub(value: &[u8]) -> Sub {
    decode_offset(value).ok().filter(|s| (0..ZXIDS_PER_REVISION).contains(s)).map_or(0, |s| s as Sub)
}

/// Decimal offsets stored in counter and version-offset keys (empty = 0).
pub fn decode_offset(value: &[u8]) -> ZkResult<i64> {
    if value.is_empty() {
        return Ok(0);
    }
    std::str::from_utf8(value).ok().and_then(|s| s.parse().ok()).ok_or_else(|| corrupt("offset"))
}

pub fn encode_offset(offset: i64) -> Vec<u8> {
    if offset == 0 {
        Vec::new()
    } else {
        offset.to_string().into_bytes()
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> ZkResult<&'a [u8]> {
        if self.0.len() < n {
            return Err(corrupt("attribute value"));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn string(&mut self) -> ZkResult<String> {
        let len = u32::from_be_bytes(self.take(4)?.try_into().unwrap()) as usize;
        String::from_utf8(self.take(len)?.to_vec()).map_err(|_| corrupt("ACL string"))
    }
}

fn corrupt(what: &str) -> ZkError {
    ZkError::new(Code::DataInconsistency, format!("stored {what} is not in kafka-etcd's format"))
}

/// Wall-clock milliseconds since the epoch (ZooKeeper's ctime/mtime unit).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_values_keep_null_apart_from_empty() {
        let null = decode_node(&encode_node(0, 5, None)).unwrap();
        let empty = decode_node(&encode_node(0, 5, Some(b""))).unwrap();
        assert_eq!(null.data, None);
        assert_eq!(empty.data, Some(vec![]));
        assert_eq!(null.mtime, 5);
        assert_eq!(decode_node(&encode_node(0, 7, Some(b"xy"))).unwrap().data.unwrap(), b"xy");
        assert!(decode_node(b"bad").is_err());
    }

    #[test]
    fn node_values_carry_the_mzxid_sub() {
        let top = (ZXIDS_PER_REVISION - 1) as Sub;
        for (sub, data) in [(0, None), (1, Some(&b"d"[..])), (top, None), (top, Some(&b""[..]))] {
            let v = encode_node(sub, -3, data);
            let n = decode_node(&v).unwrap();
            assert_eq!((n.sub, n.mtime, n.data.as_deref()), (sub, -3, data));
        }
        // The format from before subs: first byte 0 (null) or 1 (data).
        let mut old = vec![1];
        old.extend_from_slice(&9i64.to_be_bytes());
        old.extend_from_slice(b"old");
        let n = decode_node(&old).unwrap();
        assert_eq!((n.sub, n.mtime, n.data.as_deref()), (0, 9, Some(&b"old"[..])));
    }

    #[test]
    fn attrs_round_trip() {
        let acl = vec![Acl { perms: 5, scheme: "digest".into(), id: "u:p".into() }, Acl::open_unsafe()[0].clone()];
        let v = decode_attrs(&encode_attrs(42, 7, &acl)).unwrap();
        assert_eq!((v.ctime, v.czxid_sub), (42, 7));
        assert_eq!(v.acl, acl);
        assert!(decode_attrs(&[1, 2]).is_err());
        let top = (ZXIDS_PER_REVISION - 1) as Sub;
        assert_eq!(decode_ctime(&encode_attrs(MAX_CTIME, top, &acl)).unwrap(), (MAX_CTIME, top));
        // The format from before subs: a plain ctime (negative ones only from a restore).
        for ctime in [0i64, 1_700_000_000_000, -5] {
            let mut old = ctime.to_be_bytes().to_vec();
            old.extend_from_slice(&encode_attrs(0, 0, &acl)[8..]);
            let v = decode_attrs(&old).unwrap();
            assert_eq!((v.ctime, v.czxid_sub, &v.acl), (ctime, 0, &acl));
        }
    }

    #[test]
    fn acl_rules() {
        assert!(validate_acl(&Acl::open_unsafe()).is_ok());
        assert_eq!(validate_acl(&[]).unwrap_err().code, Code::InvalidAcl);
        let bad = Acl { perms: 64, scheme: "world".into(), id: "anyone".into() };
        assert_eq!(validate_acl(&[bad]).unwrap_err().code, Code::InvalidAcl);
    }

    #[test]
    fn offsets() {
        assert_eq!(decode_offset(b"").unwrap(), 0);
        assert_eq!(decode_offset(&encode_offset(12)).unwrap(), 12);
        assert!(encode_offset(0).is_empty());
        assert_eq!(decode_sub(&encode_sub(63)), 63);
        assert_eq!(decode_sub(b""), 0, "marks from before subs are empty");
        assert_eq!(decode_sub(b"128"), 0);
    }
}
