//! Unit tests (no etcd) of the request path's steps before any I/O:
//! `Core::prepare_for` (ZooKeeper's client-side checks, chroot mapping,
//! limits), `fits_one_txn`, and `Core::locks` (what a request holds in the
//! `Sequencer`).

use super::core::Core;
use super::multi::fits_one_txn;
use super::order::Mode::{self, Bump, Read, Write};
use super::request::{CreateMode, MultiOp, Request, RestoreNode};
use crate::znode::keys::MAX_DEPTH;
use crate::znode::path::Chroot;
use crate::znode::stat::MAX_CTIME;
use crate::znode::{Acl, Code, ZkResult};

const MAX_DATA: usize = 100;

fn prepare(chroot: &str, req: Request) -> ZkResult<Request> {
    Core::prepare_for(&Chroot::new(Some(chroot)).unwrap(), MAX_DATA, req)
}

fn code(r: ZkResult<Request>) -> Code {
    r.expect_err("refused").code
}

fn create(path: &str, data: Option<Vec<u8>>, mode: CreateMode) -> Request {
    Request::Create { path: path.into(), data, acl: Acl::open_unsafe(), mode }
}

fn set(path: &str, n: usize) -> Request {
    Request::SetData { path: path.into(), data: Some(vec![0; n]), version: -1 }
}

fn delete(path: &str) -> Request {
    Request::Delete { path: path.into(), version: -1 }
}

fn multi_create(path: &str, mode: CreateMode) -> MultiOp {
    MultiOp::Create { path: path.into(), data: None, acl: Acl::open_unsafe(), mode }
}

#[test]
fn paths_map_into_the_chroot() {
    let got = prepare("/c", create("/a", None, CreateMode::Persistent)).unwrap();
    assert_eq!(got, create("/c/a", None, CreateMode::Persistent));
    let got = prepare("/c", Request::GetChildren { path: "/".into(), watch: true }).unwrap();
    assert_eq!(got, Request::GetChildren { path: "/c".into(), watch: true });
    let got = prepare("/c", Request::Multi(vec![MultiOp::Check { path: "/x".into(), version: 3 }])).unwrap();
    assert_eq!(got, Request::Multi(vec![MultiOp::Check { path: "/c/x".into(), version: 3 }]));
    // A sequential create may end in '/': the server appends the number.
    let got = prepare("/", create("/q/", None, CreateMode::PersistentSequential)).unwrap();
    assert_eq!(got, create("/q/", None, CreateMode::PersistentSequential));
    assert_eq!(code(prepare("/", create("/q/", None, CreateMode::Persistent))), Code::BadArguments);
}

#[test]
fn what_zookeepers_client_refuses_is_refused() {
    assert_eq!(code(prepare("/", Request::Exists { path: "a".into(), watch: false })), Code::BadArguments);
    assert_eq!(code(prepare("/", delete("/"))), Code::BadArguments);
    assert_eq!(code(prepare("/c", delete("/"))), Code::BadArguments, "the chroot is the client's root");
    assert_eq!(code(prepare("/", delete("/zookeeper"))), Code::BadArguments);
    assert_eq!(
        prepare("/c", delete("/zookeeper")).unwrap(),
        delete("/c/zookeeper"),
        "only the real one is ZooKeeper's"
    );
    assert_eq!(code(prepare("/", set("/zookeeper/config", 1))), Code::NoAuth);
    assert_eq!(code(prepare("/", create("/zookeeper/config/x", None, CreateMode::Persistent))), Code::NoAuth);
    let no_acl = Request::Create { path: "/a".into(), data: None, acl: Vec::new(), mode: CreateMode::Persistent };
    assert_eq!(code(prepare("/", no_acl)), Code::InvalidAcl);
    let bad_acl = Request::SetAcl {
        path: "/a".into(),
        acl: vec![Acl { perms: 64, scheme: "world".into(), id: "anyone".into() }],
        version: -1,
    };
    assert_eq!(code(prepare("/", bad_acl)), Code::InvalidAcl);
    // Refused inside a multi as well.
    let op = MultiOp::Delete { path: "/".into(), version: -1 };
    assert_eq!(code(prepare("/", Request::Multi(vec![op]))), Code::BadArguments);
}

#[test]
fn depth_and_data_limits() {
    let deep = |levels: usize| "/d".repeat(levels);
    assert!(prepare("/", Request::Exists { path: deep(MAX_DEPTH - 1), watch: false }).is_ok());
    assert_eq!(code(prepare("/", Request::Exists { path: deep(MAX_DEPTH), watch: false })), Code::BadArguments);
    assert_eq!(
        code(prepare("/c", Request::Exists { path: deep(MAX_DEPTH - 1), watch: false })),
        Code::BadArguments,
        "the chroot counts"
    );
    assert!(prepare("/", set("/a", MAX_DATA)).is_ok());
    assert_eq!(code(prepare("/", set("/a", MAX_DATA + 1))), Code::BadArguments);
    assert_eq!(
        code(prepare("/", create("/a", Some(vec![0; MAX_DATA + 1]), CreateMode::Persistent))),
        Code::BadArguments
    );
    // Each op fits, the multi's sum does not.
    let half = |p: &str| MultiOp::SetData { path: p.into(), data: Some(vec![0; MAX_DATA / 2 + 1]), version: -1 };
    assert!(prepare("/", Request::Multi(vec![half("/a")])).is_ok());
    assert_eq!(code(prepare("/", Request::Multi(vec![half("/a"), half("/b")]))), Code::BadArguments);
}

#[test]
fn a_multi_too_large_for_one_txn_is_refused_before_any_read() {
    // n creates under / touch n + 1 nodes, each guarded by two compares of 128.
    let creates =
        |n: usize| (0..n).map(|i| multi_create(&format!("/n{i}"), CreateMode::Persistent)).collect::<Vec<_>>();
    assert!(fits_one_txn(&creates(63)).is_ok());
    assert_eq!(fits_one_txn(&creates(64)).unwrap_err().code, Code::BadArguments);
    assert_eq!(code(prepare("/", Request::Multi(creates(64)))), Code::BadArguments);
    // Sequential creates each make a node of their own, under one parent.
    let seq = vec![multi_create("/q/s-", CreateMode::PersistentSequential); 63];
    assert!(fits_one_txn(&seq).is_ok());
    let seq = vec![multi_create("/q/s-", CreateMode::PersistentSequential); 64];
    assert!(fits_one_txn(&seq).is_err());
    // Ops on the same node count it once.
    let same = vec![MultiOp::Check { path: "/a".into(), version: -1 }; 500];
    assert!(fits_one_txn(&same).is_ok());
}

#[test]
fn a_restore_ctime_must_leave_room_for_the_czxid_sub() {
    let restore = |ctime: i64| {
        Request::Restore(Box::new(RestoreNode {
            path: "/r".into(),
            data: None,
            acl: Acl::open_unsafe(),
            ctime,
            mtime: -1,
            version: 0,
            aversion: 0,
            child_creates: 0,
        }))
    };
    for ok in [0, 1_700_000_000_000, MAX_CTIME] {
        assert!(prepare("/", restore(ok)).is_ok(), "ctime {ok}");
    }
    for bad in [-1, MAX_CTIME + 1, i64::MAX] {
        assert_eq!(code(prepare("/", restore(bad))), Code::BadArguments, "ctime {bad}");
    }
}

fn locks(req: Request) -> Vec<(String, Mode)> {
    Core::locks(&req)
}

fn held(list: &[(&str, Mode)]) -> Vec<(String, Mode)> {
    list.iter().map(|(p, m)| (p.to_string(), *m)).collect()
}

#[test]
fn lock_sets() {
    assert_eq!(locks(create("/a/b", None, CreateMode::Persistent)), held(&[("/a/b", Write), ("/a", Bump)]));
    assert_eq!(locks(create("/a", None, CreateMode::Ephemeral)), held(&[("/a", Write), ("/", Bump)]));
    // The name comes from the parent's counter: the parent itself is written.
    assert_eq!(locks(create("/a/s-", None, CreateMode::EphemeralSequential)), held(&[("/a", Write)]));
    assert_eq!(locks(delete("/a/b")), held(&[("/a/b", Write), ("/a", Bump)]));
    assert_eq!(locks(set("/a", 1)), held(&[("/a", Write)]));
    assert_eq!(
        locks(Request::SetAcl { path: "/a".into(), acl: Acl::open_unsafe(), version: -1 }),
        held(&[("/a", Write)])
    );
    for read in [
        Request::GetData { path: "/a".into(), watch: true },
        Request::Exists { path: "/a".into(), watch: false },
        Request::GetChildren { path: "/a".into(), watch: false },
        Request::GetAcl { path: "/a".into() },
    ] {
        assert_eq!(locks(read), held(&[("/a", Read)]));
    }
    let multi = Request::Multi(vec![
        MultiOp::Check { path: "/c".into(), version: 1 },
        multi_create("/p/x", CreateMode::Persistent),
        MultiOp::SetData { path: "/p".into(), data: None, version: -1 },
        multi_create("/p/s-", CreateMode::PersistentSequential),
        MultiOp::Delete { path: "/p/y".into(), version: -1 },
    ]);
    assert_eq!(
        locks(multi),
        held(&[
            ("/c", Read),
            ("/p/x", Write),
            ("/p", Bump),
            ("/p", Write),
            ("/p", Write),
            ("/p/y", Write),
            ("/p", Bump)
        ]),
        "op by op, in order, as if each ran alone"
    );
}
