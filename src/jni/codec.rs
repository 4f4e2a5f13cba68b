//! The wire format between Java and Rust: big-endian, what
//! `java.nio.ByteBuffer` reads and writes by default. Mirrors
//! `io.kafkaetcd.Wire` on the Java side; change both together.
//!
//! Requests (one `submit` carries a batch):
//!   batch   := int count, request*
//!   request := byte op, fields (op numbers are ZooKeeper's OpCodes)
//!     CREATE 1:       str path, bytes data, acls, int mode
//!     DELETE 2:       str path, int version
//!     EXISTS 3, GET_DATA 4, GET_CHILDREN 12: str path, byte watch
//!     SET_DATA 5:     str path, bytes data, int version
//!     GET_ACL 6:      str path
//!     SET_ACL 7:      str path, acls, int version
//!     MULTI 14:       int n, op* (CREATE, DELETE, SET_DATA, or CHECK 13: str path, int version)
//!     RESTORE 50:     str path, bytes data, acls, long ctime, long mtime, int version,
//!                     int aversion, long child_creates (not ZooKeeper's; answers a stat)
//!   str   := int len (bytes of UTF-8), bytes;  bytes := int len (-1 = null), bytes
//!   (a path's UTF-16 surrogates come as 3-byte sequences, not UTF-8: refused)
//!   acls  := int n, (int perms, str scheme, str id)*
//!
//! Out of `poll` (a sequence of records, read to the end):
//!   COMPLETION 1: long seq, int code, str message, byte reply type, payload
//!   EVENT 2:      int type, int state, nullable str path
//!   CLOSED 3:     nothing; the last record the client will ever produce
//! `call` answers one COMPLETION record with seq -1.
//!
//! Security settings (the last argument of `open`):
//!   security := bytes ca_pem (null = plaintext), bytes cert_pem, bytes key_pem,
//!               bytes server_name (UTF-8), bytes user (UTF-8, null = no etcd user),
//!               bytes password (UTF-8)
//! stat := 11 fields in ZooKeeper's order (long czxid, long mzxid, long ctime,
//!   long mtime, int version, int cversion, int aversion, long ephemeralOwner,
//!   int dataLength, int numChildren, long pzxid).

use crate::engine::{
    multi_code, CreateMode, Credentials, MultiOp, OpResult, Reply, Request, RestoreNode, TlsOptions, WatchedEvent,
};
use crate::znode::{Acl, Code, Stat, ZkResult};

use super::error::{BridgeError, BridgeResult};

pub const OP_CREATE: u8 = 1;
pub const OP_DELETE: u8 = 2;
pub const OP_EXISTS: u8 = 3;
pub const OP_GET_DATA: u8 = 4;
pub const OP_SET_DATA: u8 = 5;
pub const OP_GET_ACL: u8 = 6;
pub const OP_SET_ACL: u8 = 7;
pub const OP_GET_CHILDREN: u8 = 12;
pub const OP_CHECK: u8 = 13;
pub const OP_MULTI: u8 = 14;
pub const OP_RESTORE: u8 = 50;

pub const REC_COMPLETION: u8 = 1;
pub const REC_EVENT: u8 = 2;
pub const REC_CLOSED: u8 = 3;

const R_NONE: u8 = 0;
const R_CREATED: u8 = 1;
const R_DELETED: u8 = 2;
const R_STAT: u8 = 3;
const R_DATA: u8 = 4;
const R_EXISTS: u8 = 5;
const R_CHILDREN: u8 = 6;
const R_ACL: u8 = 7;
const R_MULTI: u8 = 8;

const RES_CREATE: u8 = 1;
const RES_DELETE: u8 = 2;
const RES_SET_DATA: u8 = 3;
const RES_CHECK: u8 = 4;
const RES_ERROR: u8 = 5;

/// One decoded request: the request, or the error it completes with when a
/// field is well-formed but not acceptable (an unknown create mode).
pub type Decoded = ZkResult<Request>;

/// Decodes a batch. A malformed encoding (a Java-side bug) fails the whole
/// batch before any request is queued.
pub fn decode_batch(buf: &[u8]) -> BridgeResult<Vec<Decoded>> {
    let mut r = Reader { buf, pos: 0 };
    let n = r.count()?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(r.request()?);
    }
    r.finish()?;
    Ok(out)
}

/// Decodes exactly one request (the `call` path).
pub fn decode_one(buf: &[u8]) -> BridgeResult<Decoded> {
    let mut r = Reader { buf, pos: 0 };
    let req = r.request()?;
    r.finish()?;
    Ok(req)
}

/// Decodes the TLS and etcd user settings of `open`.
pub fn decode_security(buf: &[u8]) -> BridgeResult<(Option<TlsOptions>, Option<Credentials>)> {
    let mut r = Reader { buf, pos: 0 };
    let ca = r.bytes()?;
    let (cert, key) = (r.bytes()?, r.bytes()?);
    let server_name = r.opt_string()?;
    let user = r.opt_string()?;
    let password = r.opt_string()?;
    r.finish()?;
    let tls = ca.map(|ca_pem| TlsOptions { ca_pem, cert_pem: cert, key_pem: key, server_name });
    let creds = user.map(|user| Credentials { user, password: password.unwrap_or_default() });
    Ok((tls, creds))
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

fn malformed(what: &str, pos: usize) -> BridgeError {
    BridgeError::BadInput(format!("malformed kafka-etcd request encoding: {what} at byte {pos}"))
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> BridgeResult<&'a [u8]> {
        let end =
            self.pos.checked_add(n).filter(|&e| e <= self.buf.len()).ok_or_else(|| malformed("truncated", self.pos))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> BridgeResult<u8> {
        Ok(self.take(1)?[0])
    }

    fn i32(&mut self) -> BridgeResult<i32> {
        Ok(i32::from_be_bytes(self.take(4)?.try_into().unwrap()))
    }

    fn i64(&mut self) -> BridgeResult<i64> {
        Ok(i64::from_be_bytes(self.take(8)?.try_into().unwrap()))
    }

    fn count(&mut self) -> BridgeResult<usize> {
        let n = self.i32()?;
        // Every element takes at least one byte: bounds the allocation.
        if n < 0 || n as usize > self.buf.len() - self.pos {
            return Err(malformed("bad count", self.pos));
        }
        Ok(n as usize)
    }

    fn bytes(&mut self) -> BridgeResult<Option<Vec<u8>>> {
        match self.i32()? {
            -1 => Ok(None),
            n if n < 0 => Err(malformed("negative length", self.pos)),
            n => Ok(Some(self.take(n as usize)?.to_vec())),
        }
    }

    fn string(&mut self) -> BridgeResult<String> {
        let b = self.bytes()?.ok_or_else(|| malformed("null string", self.pos))?;
        String::from_utf8(b).map_err(|_| malformed("string is not UTF-8", self.pos))
    }

    fn opt_string(&mut self) -> BridgeResult<Option<String>> {
        match self.bytes()? {
            None => Ok(None),
            Some(b) => String::from_utf8(b).map(Some).map_err(|_| malformed("string is not UTF-8", self.pos)),
        }
    }

    /// A path. Java's UTF-8 encoder would turn a lone UTF-16 surrogate
    /// into `?`, naming another node; `Wire.java` sends surrogates as bytes
    /// that are not UTF-8 instead. They become U+FFFD here, which path
    /// validation refuses with BADARGUMENTS as ZooKeeper refuses the
    /// surrogate (the request fails, not the whole batch).
    fn path(&mut self) -> BridgeResult<String> {
        let b = self.bytes()?.ok_or_else(|| malformed("null path", self.pos))?;
        Ok(String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }

    fn acls(&mut self) -> BridgeResult<Vec<Acl>> {
        let n = self.count()?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(Acl { perms: self.i32()?, scheme: self.string()?, id: self.string()? });
        }
        Ok(v)
    }

    fn watch(&mut self) -> BridgeResult<bool> {
        Ok(self.u8()? != 0)
    }

    fn request(&mut self) -> BridgeResult<Decoded> {
        let at = self.pos;
        Ok(Ok(match self.u8()? {
            OP_CREATE => {
                let (path, data, acl) = (self.path()?, self.bytes()?, self.acls()?);
                match CreateMode::from_flag(self.i32()?) {
                    Ok(mode) => Request::Create { path, data, acl, mode },
                    Err(e) => return Ok(Err(e)),
                }
            }
            OP_DELETE => Request::Delete { path: self.path()?, version: self.i32()? },
            OP_EXISTS => Request::Exists { path: self.path()?, watch: self.watch()? },
            OP_GET_DATA => Request::GetData { path: self.path()?, watch: self.watch()? },
            OP_GET_CHILDREN => Request::GetChildren { path: self.path()?, watch: self.watch()? },
            OP_SET_DATA => Request::SetData { path: self.path()?, data: self.bytes()?, version: self.i32()? },
            OP_GET_ACL => Request::GetAcl { path: self.path()? },
            OP_SET_ACL => Request::SetAcl { path: self.path()?, acl: self.acls()?, version: self.i32()? },
            OP_MULTI => {
                let n = self.count()?;
                let mut ops = Vec::with_capacity(n);
                let mut bad = None;
                for _ in 0..n {
                    match self.multi_op()? {
                        Ok(op) => ops.push(op),
                        Err(e) => bad = bad.or(Some(e)),
                    }
                }
                match bad {
                    Some(e) => return Ok(Err(e)),
                    None => Request::Multi(ops),
                }
            }
            OP_RESTORE => Request::Restore(Box::new(RestoreNode {
                path: self.path()?,
                data: self.bytes()?,
                acl: self.acls()?,
                ctime: self.i64()?,
                mtime: self.i64()?,
                version: self.i32()?,
                aversion: self.i32()?,
                child_creates: self.i64()?,
            })),
            _ => return Err(malformed("unknown op code", at)),
        }))
    }

    fn multi_op(&mut self) -> BridgeResult<ZkResult<MultiOp>> {
        let at = self.pos;
        Ok(Ok(match self.u8()? {
            OP_CREATE => {
                let (path, data, acl) = (self.path()?, self.bytes()?, self.acls()?);
                match CreateMode::from_flag(self.i32()?) {
                    Ok(mode) => MultiOp::Create { path, data, acl, mode },
                    Err(e) => return Ok(Err(e)),
                }
            }
            OP_DELETE => MultiOp::Delete { path: self.path()?, version: self.i32()? },
            OP_SET_DATA => MultiOp::SetData { path: self.path()?, data: self.bytes()?, version: self.i32()? },
            OP_CHECK => MultiOp::Check { path: self.path()?, version: self.i32()? },
            _ => return Err(malformed("unknown multi op code", at)),
        }))
    }

    fn finish(&self) -> BridgeResult<()> {
        if self.pos != self.buf.len() {
            return Err(malformed("trailing bytes", self.pos));
        }
        Ok(())
    }
}

/// Appends big-endian values to a record buffer.
pub struct Writer<'a>(pub &'a mut Vec<u8>);

impl Writer<'_> {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn bytes(&mut self, b: Option<&[u8]>) {
        match b {
            None => self.i32(-1),
            Some(b) => {
                self.i32(b.len() as i32);
                self.0.extend_from_slice(b);
            }
        }
    }
    fn str(&mut self, s: &str) {
        self.bytes(Some(s.as_bytes()));
    }
    fn stat(&mut self, s: &Stat) {
        self.i64(s.czxid);
        self.i64(s.mzxid);
        self.i64(s.ctime);
        self.i64(s.mtime);
        self.i32(s.version);
        self.i32(s.cversion);
        self.i32(s.aversion);
        self.i64(s.ephemeral_owner);
        self.i32(s.data_length);
        self.i32(s.num_children);
        self.i64(s.pzxid);
    }
    fn acls(&mut self, acl: &[Acl]) {
        self.i32(acl.len() as i32);
        for a in acl {
            self.i32(a.perms);
            self.str(&a.scheme);
            self.str(&a.id);
        }
    }

    /// A request's outcome, tagged with its sequence number.
    pub fn completion(&mut self, seq: i64, result: &ZkResult<Reply>) {
        self.u8(REC_COMPLETION);
        self.i64(seq);
        let reply = match result {
            Err(e) => {
                self.i32(e.code.value());
                self.str(&e.message);
                self.u8(R_NONE);
                return;
            }
            Ok(r) => r,
        };
        // A failed multi is a reply with error results; its code is the first failure.
        let code = match reply {
            Reply::Multi(results) => multi_code(results),
            _ => Code::Ok,
        };
        self.i32(code.value());
        self.str("");
        match reply {
            Reply::Created { path, stat } => {
                self.u8(R_CREATED);
                self.str(path);
                self.stat(stat);
            }
            Reply::Deleted => self.u8(R_DELETED),
            Reply::Stat(stat) => {
                self.u8(R_STAT);
                self.stat(stat);
            }
            Reply::Data { data, stat } => {
                self.u8(R_DATA);
                self.bytes(data.as_deref());
                self.stat(stat);
            }
            Reply::Exists(stat) => {
                self.u8(R_EXISTS);
                self.u8(stat.is_some() as u8);
                if let Some(s) = stat {
                    self.stat(s);
                }
            }
            Reply::Children { children, stat } => {
                self.u8(R_CHILDREN);
                self.i32(children.len() as i32);
                for c in children {
                    self.str(c);
                }
                self.stat(stat);
            }
            Reply::Acl { acl, stat } => {
                self.u8(R_ACL);
                self.acls(acl);
                self.stat(stat);
            }
            Reply::Multi(results) => {
                self.u8(R_MULTI);
                self.i32(results.len() as i32);
                for r in results {
                    match r {
                        OpResult::Create { path, stat } => {
                            self.u8(RES_CREATE);
                            self.str(path);
                            self.stat(stat);
                        }
                        OpResult::Delete => self.u8(RES_DELETE),
                        OpResult::SetData { stat } => {
                            self.u8(RES_SET_DATA);
                            self.stat(stat);
                        }
                        OpResult::Check => self.u8(RES_CHECK),
                        OpResult::Error(c) => {
                            self.u8(RES_ERROR);
                            self.i32(c.value());
                        }
                    }
                }
            }
        }
    }

    pub fn event(&mut self, e: &WatchedEvent) {
        self.u8(REC_EVENT);
        self.i32(e.event_type as i32);
        self.i32(e.state as i32);
        match &e.path {
            Some(p) => self.str(p),
            None => self.bytes(None),
        }
    }

    pub fn closed(&mut self) {
        self.u8(REC_CLOSED);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc_str(v: &mut Vec<u8>, s: &str) {
        v.extend_from_slice(&(s.len() as i32).to_be_bytes());
        v.extend_from_slice(s.as_bytes());
    }

    #[test]
    fn decodes_a_batch_and_keeps_null_apart_from_empty() {
        let mut v = 3i32.to_be_bytes().to_vec();
        v.push(OP_SET_DATA);
        enc_str(&mut v, "/a");
        v.extend_from_slice(&(-1i32).to_be_bytes());
        v.extend_from_slice(&7i32.to_be_bytes());
        v.push(OP_SET_DATA);
        enc_str(&mut v, "/b");
        v.extend_from_slice(&0i32.to_be_bytes());
        v.extend_from_slice(&(-1i32).to_be_bytes());
        v.push(OP_CREATE);
        enc_str(&mut v, "/c");
        v.extend_from_slice(&(-1i32).to_be_bytes());
        v.extend_from_slice(&0i32.to_be_bytes());
        v.extend_from_slice(&9i32.to_be_bytes());
        let out = decode_batch(&v).unwrap();
        assert!(matches!(&out[0], Ok(Request::SetData { data: None, version: 7, .. })));
        assert!(matches!(&out[1], Ok(Request::SetData { data: Some(d), version: -1, .. }) if d.is_empty()));
        assert_eq!(out[2].as_ref().unwrap_err().code, Code::BadArguments);
    }

    #[test]
    fn decodes_a_restore_with_its_counters() {
        let mut v = vec![OP_RESTORE];
        enc_str(&mut v, "/r");
        v.extend_from_slice(&(-1i32).to_be_bytes());
        v.extend_from_slice(&1i32.to_be_bytes());
        v.extend_from_slice(&31i32.to_be_bytes());
        enc_str(&mut v, "world");
        enc_str(&mut v, "anyone");
        for (n, wide) in [(11i64, true), (12, true), (3, false), (2, false), (7, true)] {
            if wide {
                v.extend_from_slice(&n.to_be_bytes());
            } else {
                v.extend_from_slice(&(n as i32).to_be_bytes());
            }
        }
        let Ok(Request::Restore(n)) = decode_one(&v).unwrap() else { panic!("not decoded as restore") };
        assert_eq!((n.path.as_str(), n.data.as_ref(), n.acl.len()), ("/r", None, 1));
        assert_eq!((n.ctime, n.mtime, n.version, n.aversion, n.child_creates), (11, 12, 3, 2, 7));
        assert!(decode_one(&v[..v.len() - 1]).is_err());
    }

    #[test]
    fn decodes_security_settings() {
        let mut v = Vec::new();
        for f in [Some(&b"CA"[..]), None, None, Some(b"etcd.test"), Some(b"user-a"), Some(b"pw")] {
            match f {
                None => v.extend_from_slice(&(-1i32).to_be_bytes()),
                Some(b) => {
                    v.extend_from_slice(&(b.len() as i32).to_be_bytes());
                    v.extend_from_slice(b);
                }
            }
        }
        let (tls, creds) = decode_security(&v).unwrap();
        let tls = tls.unwrap();
        assert_eq!(
            (tls.ca_pem.as_slice(), tls.cert_pem, tls.server_name.as_deref()),
            (&b"CA"[..], None, Some("etcd.test"))
        );
        let creds = creds.unwrap();
        assert_eq!((creds.user.as_str(), creds.password.as_str()), ("user-a", "pw"));
        let none: Vec<u8> = (0..6).flat_map(|_| (-1i32).to_be_bytes()).collect();
        let (tls, creds) = decode_security(&none).unwrap();
        assert!(tls.is_none() && creds.is_none());
        assert!(decode_security(&v[..v.len() - 1]).is_err());
    }

    #[test]
    fn rejects_malformed_input() {
        assert!(decode_batch(&[0, 0, 0, 1, 99]).is_err());
        assert!(decode_batch(&[0, 0, 0, 5]).is_err());
        assert!(decode_batch(&[0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(decode_one(&[OP_GET_ACL, 0, 0, 0, 9, b'/']).is_err());
        assert!(decode_batch(&[0, 0, 0, 0, 1]).is_err());
    }

    #[test]
    fn a_path_that_is_not_utf8_reaches_validation_not_a_lookalike() {
        // "/s" + U+D800 as Java's Wire sends it: ED A0 80.
        let path = [b'/', b's', 0xED, 0xA0, 0x80];
        let mut v = vec![OP_GET_ACL];
        v.extend_from_slice(&(path.len() as i32).to_be_bytes());
        v.extend_from_slice(&path);
        let Ok(Request::GetAcl { path }) = decode_one(&v).unwrap() else { panic!("not decoded as getAcl") };
        assert!(path.starts_with("/s\u{fffd}"), "{path:?}");
        assert!(crate::znode::path::validate(&path, false).is_err());
    }

    #[test]
    fn encodes_a_failed_multi_with_its_first_error() {
        let mut v = Vec::new();
        let r = Ok(Reply::Multi(vec![
            OpResult::Error(Code::Ok),
            OpResult::Error(Code::NoNode),
            OpResult::Error(Code::RuntimeInconsistency),
        ]));
        Writer(&mut v).completion(4, &r);
        assert_eq!(v[0], REC_COMPLETION);
        assert_eq!(i64::from_be_bytes(v[1..9].try_into().unwrap()), 4);
        assert_eq!(i32::from_be_bytes(v[9..13].try_into().unwrap()), Code::NoNode.value());
    }
}
