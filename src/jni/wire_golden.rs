//! The wire format against the golden vectors in `tests/data/wire/`, which
//! `java/.../WireGoldenTest.java` checks the Java side against too: a change
//! to one side alone fails one of the two tests.
//! - requests.txt: bytes Java encodes; here they must decode to the requests below;
//! - replies.txt:  records encoded here must be those bytes, byte for byte;
//! - codes.txt:    the enums' numbers (codes, event types, states, create modes).

use std::collections::BTreeMap;

use super::codec::{decode_batch, decode_one, decode_security, Writer};
use crate::engine::{CreateMode, EventType, KeeperState, MultiOp, OpResult, Reply, Request, WatchedEvent};
use crate::znode::{Acl, Code, Stat, ZkError};

fn vectors(file: &str) -> BTreeMap<String, Vec<u8>> {
    let path = format!("{}/tests/data/wire/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, hex) = l.split_once(' ').unwrap_or_else(|| panic!("{file}: not NAME HEX: {l}"));
            let bytes = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
            (name.to_string(), bytes)
        })
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn world() -> Vec<Acl> {
    vec![Acl { perms: 31, scheme: "world".into(), id: "anyone".into() }]
}

fn stat() -> Stat {
    Stat {
        czxid: 1,
        mzxid: 2,
        ctime: 3,
        mtime: 4,
        version: 5,
        cversion: 6,
        aversion: 7,
        ephemeral_owner: 8,
        data_length: 9,
        num_children: 10,
        pzxid: 11,
    }
}

fn s(v: &str) -> String {
    v.to_string()
}

/// The request each vector of requests.txt stands for (WireGoldenTest.java builds the same).
fn expected_requests() -> Vec<(&'static str, Request)> {
    use Request::*;
    vec![
        (
            "create",
            Create { path: s("/a"), data: Some(vec![1, 2, 3]), acl: world(), mode: CreateMode::EphemeralSequential },
        ),
        ("create_null_data_no_acl", Create { path: s("/n"), data: None, acl: vec![], mode: CreateMode::Persistent }),
        ("delete", Delete { path: s("/a"), version: 7 }),
        ("exists_watch", Exists { path: s("/a"), watch: true }),
        ("get_data", GetData { path: s("/a/b"), watch: false }),
        ("get_children_watch", GetChildren { path: s("/"), watch: true }),
        ("set_data_empty_any_version", SetData { path: s("/a"), data: Some(vec![]), version: -1 }),
        ("get_acl", GetAcl { path: s("/a") }),
        (
            "set_acl",
            SetAcl { path: s("/a"), acl: vec![Acl { perms: 1, scheme: s("digest"), id: s("u:p") }], version: 2 },
        ),
        (
            "multi",
            Multi(vec![
                MultiOp::Check { path: s("/a"), version: 1 },
                MultiOp::Create {
                    path: s("/b"),
                    data: Some(b"x".to_vec()),
                    acl: world(),
                    mode: CreateMode::Persistent,
                },
                MultiOp::SetData { path: s("/a"), data: None, version: 3 },
                MultiOp::Delete { path: s("/b"), version: -1 },
            ]),
        ),
        ("utf8_path", GetAcl { path: s("/caf\u{e9}") }),
        // A lone UTF-16 surrogate: not UTF-8, so it reaches path validation as U+FFFD.
        ("surrogate_path", GetAcl { path: s("/s\u{fffd}\u{fffd}\u{fffd}") }),
    ]
}

#[test]
fn requests_decode_to_what_java_encoded() {
    let v = vectors("requests.txt");
    let expected = expected_requests();
    for (name, want) in &expected {
        let bytes = v.get(*name).unwrap_or_else(|| panic!("requests.txt has no vector {name}"));
        let got =
            decode_one(bytes).unwrap_or_else(|e| panic!("{name}: {e:?}")).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(format!("{got:?}"), format!("{want:?}"), "vector {name}");
    }
    let batch = decode_batch(&v["batch"]).unwrap();
    let got: Vec<String> = batch.iter().map(|r| format!("{:?}", r.as_ref().unwrap())).collect();
    let want = [Request::GetData { path: s("/x"), watch: true }, Request::Delete { path: s("/y"), version: 0 }];
    assert_eq!(got, want.iter().map(|r| format!("{r:?}")).collect::<Vec<_>>(), "vector batch");

    let (tls, creds) = decode_security(&v["security"]).unwrap();
    let tls = tls.expect("vector security: TLS");
    assert_eq!(
        (tls.ca_pem, tls.cert_pem, tls.key_pem, tls.server_name),
        (b"CA".to_vec(), None, None, Some(s("etcd.test")))
    );
    let creds = creds.expect("vector security: etcd user");
    assert_eq!((creds.user, creds.password), (s("u"), s("p")));
    let (tls, creds) = decode_security(&v["security_plaintext"]).unwrap();
    assert!(tls.is_none() && creds.is_none(), "vector security_plaintext");
    // Every vector is checked: a new one needs its expected value here.
    assert_eq!(v.len(), expected.len() + 3, "requests.txt vectors: {:?}", v.keys());
}

/// The records each vector of replies.txt stands for (WireGoldenTest.java reads them back).
fn expected_records() -> Vec<(&'static str, Vec<u8>)> {
    fn completion(seq: i64, r: Result<Reply, ZkError>) -> Vec<u8> {
        let mut v = Vec::new();
        Writer(&mut v).completion(seq, &r);
        v
    }
    fn event(event_type: EventType, state: KeeperState, path: Option<&str>) -> Vec<u8> {
        let mut v = Vec::new();
        Writer(&mut v).event(&WatchedEvent { event_type, state, path: path.map(s) });
        v
    }
    let mut closed = Vec::new();
    Writer(&mut closed).closed();
    vec![
        ("created", completion(5, Ok(Reply::Created { path: s("/a0000000001"), stat: stat() }))),
        ("deleted", completion(6, Ok(Reply::Deleted))),
        ("stat", completion(7, Ok(Reply::Stat(stat())))),
        ("data", completion(8, Ok(Reply::Data { data: Some(vec![0, 255]), stat: stat() }))),
        ("data_null", completion(9, Ok(Reply::Data { data: None, stat: stat() }))),
        ("exists_yes", completion(10, Ok(Reply::Exists(Some(stat()))))),
        ("exists_no", completion(11, Ok(Reply::Exists(None)))),
        ("children", completion(12, Ok(Reply::Children { children: vec![s("b"), s("c")], stat: stat() }))),
        ("acl", completion(13, Ok(Reply::Acl { acl: world(), stat: stat() }))),
        (
            "multi_ok",
            completion(
                14,
                Ok(Reply::Multi(vec![
                    OpResult::Create { path: s("/b"), stat: stat() },
                    OpResult::Delete,
                    OpResult::SetData { stat: stat() },
                    OpResult::Check,
                ])),
            ),
        ),
        (
            "multi_failed",
            completion(
                15,
                Ok(Reply::Multi(vec![
                    OpResult::Error(Code::Ok),
                    OpResult::Error(Code::NoNode),
                    OpResult::Error(Code::RuntimeInconsistency),
                ])),
            ),
        ),
        ("error", completion(-1, Err(ZkError::new(Code::NoNode, "no node /x")))),
        ("event_node", event(EventType::NodeDataChanged, KeeperState::SyncConnected, Some("/a"))),
        ("event_state", event(EventType::None, KeeperState::Expired, None)),
        ("closed", closed),
    ]
}

#[test]
fn replies_encode_to_what_java_reads() {
    let v = vectors("replies.txt");
    let expected = expected_records();
    for (name, got) in &expected {
        let want = v.get(*name).unwrap_or_else(|| panic!("replies.txt has no vector {name}"));
        assert_eq!(hex(got), hex(want), "vector {name}: encoded (left) differs from replies.txt (right)");
    }
    assert_eq!(v.len(), expected.len(), "replies.txt vectors: {:?}", v.keys());
}

/// Every code; the match below stops compiling when a variant is added
/// without being listed (and so without a line in codes.txt).
const CODES: [Code; 25] = {
    use Code::*;
    [
        Ok,
        SystemError,
        RuntimeInconsistency,
        DataInconsistency,
        ConnectionLoss,
        MarshallingError,
        Unimplemented,
        OperationTimeout,
        BadArguments,
        UnknownSession,
        ApiError,
        NoNode,
        NoAuth,
        BadVersion,
        NoChildrenForEphemerals,
        NodeExists,
        NotEmpty,
        SessionExpired,
        InvalidCallback,
        InvalidAcl,
        AuthFailed,
        SessionMoved,
        NotReadOnly,
        NoWatcher,
        RequestTimeout,
    ]
};

#[allow(dead_code)]
fn every_code_is_listed(c: Code) {
    use Code::*;
    match c {
        Ok
        | SystemError
        | RuntimeInconsistency
        | DataInconsistency
        | ConnectionLoss
        | MarshallingError
        | Unimplemented
        | OperationTimeout
        | BadArguments
        | UnknownSession
        | ApiError
        | NoNode
        | NoAuth
        | BadVersion
        | NoChildrenForEphemerals
        | NodeExists
        | NotEmpty
        | SessionExpired
        | InvalidCallback
        | InvalidAcl
        | AuthFailed
        | SessionMoved
        | NotReadOnly
        | NoWatcher
        | RequestTimeout => {}
    }
}

#[test]
fn numbers_are_the_shared_ones() {
    let path = format!("{}/tests/data/wire/codes.txt", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut file: BTreeMap<&str, BTreeMap<String, i32>> = BTreeMap::new();
    for l in text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        let f: Vec<&str> = l.split_whitespace().collect();
        assert_eq!(f.len(), 3, "codes.txt: not KIND NAME NUMBER: {l}");
        file.entry(f[0]).or_default().insert(f[1].to_string(), f[2].parse().unwrap());
    }
    let ours = |pairs: Vec<(String, i32)>| pairs.into_iter().collect::<BTreeMap<_, _>>();
    assert_eq!(file["code"], ours(CODES.iter().map(|c| (c.name().to_string(), c.value())).collect()), "code");
    use EventType as E;
    let events = [E::None, E::NodeCreated, E::NodeDeleted, E::NodeDataChanged, E::NodeChildrenChanged];
    assert_eq!(file["event_type"], ours(events.iter().map(|e| (format!("{e:?}"), *e as i32)).collect()), "event_type");
    use KeeperState as K;
    let states = [K::Disconnected, K::SyncConnected, K::AuthFailed, K::Expired, K::Closed];
    assert_eq!(
        file["keeper_state"],
        ours(states.iter().map(|k| (format!("{k:?}"), *k as i32)).collect()),
        "keeper_state"
    );
    // Create modes: the engine's four, by flag; 4-6 are answered UNIMPLEMENTED.
    for (name, flag) in &file["create_mode"] {
        match CreateMode::from_flag(*flag) {
            Result::Ok(m) => assert_eq!(m as i32, *flag, "create_mode {name}"),
            Err(e) => assert_eq!((e.code, (4..=6).contains(flag)), (Code::Unimplemented, true), "create_mode {name}"),
        }
    }
}
