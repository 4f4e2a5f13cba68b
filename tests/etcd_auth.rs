//! etcd authentication on real servers: user + password, wrong password
//! (AUTHFAILED), no credentials, token expiry survived by a live session,
//! client-certificate CN users, and RBAC isolation between two clusters'
//! namespaces (a user per cluster, readwrite on its namespace prefix only).

mod common;

use std::time::{Duration, Instant};

use common::pki::Ca;
use common::{EtcdCluster, ServerTls, Setup};
use etcd_client::{Client, ConnectOptions, GetOptions, Permission, WatchOptions};
use kafka_etcd::{Acl, ClientOptions, Code, CreateMode, Credentials, EventType, SessionState, TlsOptions, ZkClient};

const ROOT_PW: &str = "root-secret";

/// Turns on etcd auth with a root user and one user per namespace, each
/// with readwrite on `<namespace>/` only (what scripts/etcd-cluster-user.sh
/// sets up). Returns nothing: the users are `user-<ns>` / `pw-<ns>`.
async fn enable_auth(admin: &mut Client, namespaces: &[&str]) {
    admin.user_add("root", ROOT_PW, None).await.unwrap();
    admin.user_grant_role("root", "root").await.unwrap();
    for ns in namespaces {
        let (user, role) = (format!("user-{ns}"), format!("role-{ns}"));
        admin.role_add(role.as_str()).await.unwrap();
        admin
            .role_grant_permission(role.as_str(), Permission::read_write(format!("{ns}/")).with_prefix())
            .await
            .unwrap();
        admin.user_add(user.as_str(), format!("pw-{ns}"), None).await.unwrap();
        admin.user_grant_role(user.as_str(), role.as_str()).await.unwrap();
    }
    admin.auth_enable().await.unwrap();
}

fn creds(ns: &str) -> Credentials {
    Credentials { user: format!("user-{ns}"), password: format!("pw-{ns}") }
}

fn options(ns: &str, credentials: Option<Credentials>) -> ClientOptions {
    ClientOptions {
        session_timeout: Duration::from_secs(4),
        connect_timeout: Duration::from_secs(10),
        request_timeout: Duration::from_secs(5),
        namespace: ns.to_string(),
        credentials,
        ..Default::default()
    }
}

async fn auth_cluster(members: usize, extra_args: &[&str], namespaces: &[&str]) -> EtcdCluster {
    let setup = Setup { extra_args: extra_args.iter().map(|s| s.to_string()).collect(), ..Default::default() };
    let etcd = EtcdCluster::start_with(members, setup);
    let mut admin = Client::connect(etcd.endpoints(), None).await.unwrap();
    enable_auth(&mut admin, namespaces).await;
    etcd
}

#[tokio::test]
async fn password_auth_and_its_errors() {
    let etcd = auth_cluster(1, &[], &["a"]).await;
    let connect = etcd.connect_string();

    let zk = ZkClient::connect(&connect, options("a", Some(creds("a")))).await.expect("connect as user-a");
    zk.create("/x", Some(b"1"), Acl::open_unsafe(), CreateMode::Persistent).await.unwrap();
    zk.close().await;

    let t = Instant::now();
    let wrong = Credentials { user: "user-a".into(), password: "not-the-password".into() };
    let err = ZkClient::connect(&connect, options("a", Some(wrong))).await.err().expect("wrong password refused");
    assert_eq!(err.code, Code::AuthFailed, "{err:?}");
    assert!(err.message.contains("refused the user name or password"), "{err:?}");
    assert!(!err.message.contains("not-the-password"), "password leaked: {err:?}");

    let err = ZkClient::connect(&connect, options("a", None)).await.err().expect("anonymous refused");
    assert_eq!(err.code, Code::AuthFailed, "{err:?}");
    assert!(err.message.contains("requires authentication"), "{err:?}");
    assert!(t.elapsed() < Duration::from_secs(5), "refusals took {:?}", t.elapsed());

    let shown = format!("{:?}", creds("a"));
    assert!(!shown.contains("pw-a") && shown.contains("user-a"), "{shown}");
}

#[tokio::test]
async fn session_survives_auth_token_expiry() {
    // Simple tokens die 2 s after their last use; keep-alives do not renew them.
    let mut etcd = auth_cluster(1, &["--auth-token-ttl", "2"], &["a"]).await;
    // The TTL is real: a raw client without refresh is refused after 3 s idle.
    let raw_opts = ConnectOptions::new().with_user("user-a", "pw-a");
    let mut raw = Client::connect(etcd.endpoints(), Some(raw_opts)).await.unwrap();
    raw.get("a/", None).await.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let e = raw.get("a/", None).await.expect_err("token still valid after its TTL");
    assert!(e.to_string().contains("invalid auth token"), "{e}");

    let (o, mut rx) = options("a", Some(creds("a"))).with_event_channel();
    let zk = ZkClient::connect(&etcd.connect_string(), o).await.unwrap();
    zk.create("/eph", None, Acl::open_unsafe(), CreateMode::Ephemeral).await.unwrap();
    zk.create("/w", None, Acl::open_unsafe(), CreateMode::Persistent).await.unwrap();
    zk.exists("/w", true).await.unwrap();

    // 3x the token TTL with nothing but keep-alives.
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(zk.state(), SessionState::Connected);
    let other = ZkClient::connect(&etcd.connect_string(), options("a", Some(creds("a")))).await.unwrap();
    assert!(other.exists("/eph", false).await.unwrap().is_some(), "ephemeral gone after token expiry");
    // The idle client's token expired: its next call logs in again.
    zk.set_data("/w", Some(b"after"), -1).await.expect("write after token expiry");
    let e = common::zk::next_watch_event(&mut rx).await;
    assert_eq!((e.event_type, e.path.as_deref()), (EventType::NodeDataChanged, Some("/w")));
    other.close().await;

    // A restart forgets every token: the watch and keep-alive streams must
    // reopen with a fresh one.
    zk.exists("/w", true).await.unwrap();
    etcd.stop_member(0);
    etcd.start_member(0);
    tokio::time::sleep(Duration::from_secs(7)).await;
    let other = ZkClient::connect(&etcd.connect_string(), options("a", Some(creds("a")))).await.unwrap();
    assert!(other.exists("/eph", false).await.unwrap().is_some(), "ephemeral gone after restart + token expiry");
    other.set_data("/w", Some(b"again"), -1).await.unwrap();
    let e = common::zk::next_watch_event(&mut rx).await;
    assert_eq!((e.event_type, e.path.as_deref()), (EventType::NodeDataChanged, Some("/w")));
    assert_eq!(zk.state(), SessionState::Connected);
    other.close().await;
    zk.close().await;
}

#[tokio::test]
async fn rbac_isolates_two_clusters_namespaces() {
    let etcd = auth_cluster(1, &[], &["a", "b"]).await;
    let connect = etcd.connect_string();
    let a = ZkClient::connect(&connect, options("a", Some(creds("a")))).await.unwrap();
    let b = ZkClient::connect(&connect, options("b", Some(creds("b")))).await.unwrap();
    a.create("/brokers", Some(b"a"), Acl::open_unsafe(), CreateMode::Persistent).await.unwrap();
    a.create("/brokers/1", None, Acl::open_unsafe(), CreateMode::Ephemeral).await.unwrap();
    b.create("/brokers", Some(b"b"), Acl::open_unsafe(), CreateMode::Persistent).await.unwrap();
    // Watches, reads, writes, deletes, ephemerals and close all stay inside
    // each user's prefix (no permission error above, none below).
    assert!(b.exists("/brokers", true).await.unwrap().is_some());
    b.set_data("/brokers", Some(b"b2"), -1).await.unwrap();
    assert_eq!(a.get_data("/brokers", false).await.unwrap().0.as_deref(), Some(&b"a"[..]));

    // user-b pointed at namespace a: refused from the start.
    let err = ZkClient::connect(&connect, options("a", Some(creds("b")))).await.err().expect("user-b on namespace a");
    assert_eq!(err.code, Code::NoAuth, "{err:?}");
    assert!(err.message.contains("permission denied"), "{err:?}");

    // Raw etcd calls with user-b's credentials on a's keys: all denied.
    let opts = ConnectOptions::new().with_user("user-b", "pw-b");
    let mut raw = Client::connect([connect.as_str()], Some(opts)).await.unwrap();
    let denied = |r: Result<(), etcd_client::Error>| {
        let e = r.expect_err("user-b reached namespace a");
        assert!(e.to_string().contains("permission denied"), "{e}");
    };
    denied(raw.get("a/", Some(GetOptions::new().with_prefix())).await.map(|_| ()));
    denied(raw.put("a/n001/brokers", "evil", None).await.map(|_| ()));
    denied(raw.delete("a/n002/brokers/1", None).await.map(|_| ()));
    let mut stream = raw.watch("a/n", Some(WatchOptions::new().with_prefix())).await.unwrap();
    let first = tokio::time::timeout(Duration::from_secs(5), stream.message()).await.expect("watch answer");
    match first {
        Ok(Some(resp)) => assert!(resp.canceled(), "user-b watches namespace a: {resp:?}"),
        other => assert!(format!("{other:?}").contains("permission denied"), "{other:?}"),
    }
    assert_eq!(a.get_data("/brokers", false).await.unwrap().0.as_deref(), Some(&b"a"[..]));
    assert!(a.exists("/brokers/1", false).await.unwrap().is_some());
    a.close().await;
    b.close().await;
}

#[tokio::test]
async fn client_certificate_cn_is_the_etcd_user() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("CN CA");
    let ca_file = ca.write(dir.path(), "ca.crt");
    let server = ca.server(dir.path(), "server", &["localhost", "127.0.0.1"]);
    let setup = Setup {
        tls: Some(ServerTls { cert_file: server.cert_file, key_file: server.key_file, client_ca_file: Some(ca_file) }),
        ..Default::default()
    };
    let etcd = EtcdCluster::start_with(1, setup);
    let root = ca.client(dir.path(), "root", "root");
    let user_a = ca.client(dir.path(), "user-a", "user-a");
    let tls = |c: &common::pki::Issued| TlsOptions {
        ca_pem: ca.pem.as_bytes().to_vec(),
        cert_pem: Some(c.cert_pem.as_bytes().to_vec()),
        key_pem: Some(c.key_pem.as_bytes().to_vec()),
        server_name: None,
    };
    let admin_tls = etcd_client::TlsOptions::new()
        .ca_certificate(etcd_client::Certificate::from_pem(&ca.pem))
        .identity(etcd_client::Identity::from_pem(&root.cert_pem, &root.key_pem));
    let endpoints: Vec<String> = etcd.endpoints().iter().map(|e| format!("https://{e}")).collect();
    let mut admin = Client::connect(endpoints, Some(ConnectOptions::new().with_tls(admin_tls))).await.unwrap();
    enable_auth(&mut admin, &["a", "b"]).await;

    // No password: the certificate's CN logs in as user-a.
    let o = ClientOptions { namespace: "a".into(), tls: Some(tls(&user_a)), ..options("a", None) };
    let zk = ZkClient::connect(&etcd.connect_string(), o).await.expect("CN user connects");
    zk.create("/cn", None, Acl::open_unsafe(), CreateMode::Ephemeral).await.unwrap();
    zk.close().await;
    // ... and only inside its namespace.
    let o = ClientOptions { tls: Some(tls(&user_a)), ..options("b", None) };
    let err = ZkClient::connect(&etcd.connect_string(), o).await.err().expect("user-a on namespace b");
    assert_eq!(err.code, Code::NoAuth, "{err:?}");
}

#[tokio::test]
async fn member_down_at_connect_logs_in_when_it_returns() {
    let mut etcd = auth_cluster(3, &[], &["a"]).await;
    // The client knows members 0 and 1 only; 0 is down while it connects.
    let connect = format!("{},{}", etcd.endpoint(0), etcd.endpoint(1));
    etcd.stop_member(0);
    let zk = ZkClient::connect(&connect, options("a", Some(creds("a")))).await.expect("connect with a member down");
    zk.create("/e", None, Acl::open_unsafe(), CreateMode::Ephemeral).await.unwrap();
    etcd.start_member(0);
    // Now only member 0 is left to this client: it must have logged in there.
    etcd.stop_member(1);
    common::zk::create_until_ok(&zk, "/n", "no log-in on the member that came back").await;
    assert!(zk.exists("/e", false).await.unwrap().is_some());
    zk.close().await;
}
