//! TLS to real etcd servers started with certificates generated here:
//! mTLS works (1 and 3 members, failover), and each certificate problem is
//! its own clear error at connect, fast, never a wait for the timeout.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::pki::{Ca, Issued};
use common::{EtcdCluster, ServerTls, Setup};
use kafka_etcd::{Acl, ClientOptions, Code, CreateMode, SessionState, TlsOptions, ZkClient};

/// A CA, etcd's server certificate for the loopback names, and a client certificate.
struct Pki {
    ca: Ca,
    client: Issued,
    server: ServerTls,
}

fn pki(dir: &Path, client_cert_auth: bool) -> Pki {
    let ca = Ca::new("kafka-etcd test CA");
    let ca_file = ca.write(dir, "ca.crt");
    let server = ca.server(dir, "server", &["localhost", "127.0.0.1"]);
    let client = ca.client(dir, "client", "kafka");
    let server = ServerTls {
        cert_file: server.cert_file,
        key_file: server.key_file,
        client_ca_file: client_cert_auth.then_some(ca_file),
    };
    Pki { ca, client, server }
}

fn tls_cluster(members: usize, client_cert_auth: bool) -> (EtcdCluster, Pki, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let p = pki(dir.path(), client_cert_auth);
    let cluster = EtcdCluster::start_with(members, Setup { tls: Some(p.server.clone()), ..Default::default() });
    (cluster, p, dir)
}

fn options(ca_pem: &str, client: Option<&Issued>, server_name: Option<&str>) -> ClientOptions {
    ClientOptions {
        session_timeout: Duration::from_secs(4),
        connect_timeout: Duration::from_secs(10),
        request_timeout: Duration::from_secs(5),
        tls: Some(TlsOptions {
            ca_pem: ca_pem.as_bytes().to_vec(),
            cert_pem: client.map(|c| c.cert_pem.as_bytes().to_vec()),
            key_pem: client.map(|c| c.key_pem.as_bytes().to_vec()),
            server_name: server_name.map(str::to_string),
        }),
        ..Default::default()
    }
}

/// Connecting fails fast (well before the 10 s connect timeout) with
/// AUTHFAILED and a message holding every piece of `expected`.
async fn assert_refused(connect: &str, o: ClientOptions, expected: &[&str]) {
    let t = Instant::now();
    let err = match ZkClient::connect(connect, o).await {
        Ok(_) => panic!("connect succeeded, expected {expected:?}"),
        Err(e) => e,
    };
    let took = t.elapsed();
    assert_eq!(err.code, Code::AuthFailed, "{err:?}");
    for piece in expected {
        assert!(err.message.contains(piece), "error {:?} does not say {piece:?}", err.message);
    }
    assert!(took < Duration::from_secs(3), "took {took:?} to fail: {err:?}");
}

#[tokio::test]
async fn mtls_single_member_works() {
    let (etcd, p, _dir) = tls_cluster(1, true);
    let zk = ZkClient::connect(&etcd.connect_string(), options(&p.ca.pem, Some(&p.client), None))
        .await
        .expect("mTLS connect");
    zk.create("/tls", Some(b"x"), Acl::open_unsafe(), CreateMode::Persistent).await.unwrap();
    zk.create("/tls/e", None, Acl::open_unsafe(), CreateMode::Ephemeral).await.unwrap();
    assert_eq!(zk.get_data("/tls", false).await.unwrap().0.as_deref(), Some(&b"x"[..]));
    assert_eq!(zk.get_children("/tls", false).await.unwrap().0, vec!["e".to_string()]);
    zk.close().await;
}

#[tokio::test]
async fn server_name_override_for_ip_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("name CA");
    // The certificate names only a host, not the IP we dial.
    let server = ca.server(dir.path(), "server", &["etcd.test"]);
    let setup = Setup {
        tls: Some(ServerTls { cert_file: server.cert_file, key_file: server.key_file, client_ca_file: None }),
        ..Default::default()
    };
    let etcd = EtcdCluster::start_with(1, setup);
    assert_refused(&etcd.connect_string(), options(&ca.pem, None, None), &["name mismatch", &etcd.endpoint(0)]).await;
    let zk = ZkClient::connect(&etcd.connect_string(), options(&ca.pem, None, Some("etcd.test")))
        .await
        .expect("connect with server name");
    zk.exists("/", false).await.unwrap().expect("root exists");
    zk.close().await;
}

#[tokio::test]
async fn certificate_problems_are_clear_errors() {
    let (etcd, p, dir) = tls_cluster(1, true);
    let connect = etcd.connect_string();
    let endpoint = etcd.endpoint(0);

    let other_ca = Ca::new("some other CA");
    assert_refused(&connect, options(&other_ca.pem, Some(&p.client), None), &["unknown CA", &endpoint]).await;

    assert_refused(
        &connect,
        options(&p.ca.pem, Some(&p.client), Some("not-etcd.example")),
        &["name mismatch", &endpoint],
    )
    .await;

    assert_refused(&connect, options(&p.ca.pem, None, None), &["requires a client certificate", &endpoint]).await;

    let expired = p.ca.expired_client(dir.path(), "expired", "kafka");
    assert_refused(&connect, options(&p.ca.pem, Some(&expired), None), &["refused the client certificate", &endpoint])
        .await;

    let stranger = other_ca.client(dir.path(), "stranger", "kafka");
    assert_refused(&connect, options(&p.ca.pem, Some(&stranger), None), &["refused the client certificate", &endpoint])
        .await;

    // Plaintext to a TLS-only etcd names TLS.
    let plain = ClientOptions { connect_timeout: Duration::from_secs(10), ..Default::default() };
    assert_refused(&connect, plain, &["requires TLS", &endpoint]).await;
}

#[tokio::test]
async fn tls_to_a_plaintext_etcd_is_a_clear_error() {
    let etcd = EtcdCluster::start(1);
    let ca = Ca::new("CA of nothing");
    assert_refused(&etcd.connect_string(), options(&ca.pem, None, None), &["does not speak TLS", &etcd.endpoint(0)])
        .await;
}

#[tokio::test]
async fn incomplete_tls_settings_are_bad_arguments() {
    let ca = Ca::new("CA");
    let dir = tempfile::tempdir().unwrap();
    let client = ca.client(dir.path(), "c", "kafka");
    let mut o = options(&ca.pem, Some(&client), None);
    o.tls.as_mut().unwrap().key_pem = None;
    let err = ZkClient::connect("127.0.0.1:1", o).await.err().expect("refused");
    assert_eq!(err.code, Code::BadArguments, "{err:?}");
    let o = options("not a certificate", None, None);
    let err = ZkClient::connect("127.0.0.1:1", o).await.err().expect("refused");
    assert_eq!(err.code, Code::BadArguments, "{err:?}");
    // The key never shows in Debug output.
    let o = options(&ca.pem, Some(&client), None);
    let shown = format!("{:?}", o.tls.unwrap());
    assert!(!shown.contains("PRIVATE KEY") && shown.contains("redacted"), "{shown}");
}

#[tokio::test]
async fn mtls_three_members_fail_over() {
    let (mut etcd, p, _dir) = tls_cluster(3, true);
    let (o, _rx) = options(&p.ca.pem, Some(&p.client), None).with_event_channel();
    let zk = ZkClient::connect(&etcd.connect_string(), o).await.expect("mTLS connect");
    zk.create("/f", None, Acl::open_unsafe(), CreateMode::Persistent).await.unwrap();
    zk.create("/f/e", None, Acl::open_unsafe(), CreateMode::Ephemeral).await.unwrap();
    // Calls go to the first endpoint until it fails: kill it.
    etcd.stop_member(0);
    common::zk::create_until_ok(&zk, "/f/n", "no failover to a second TLS endpoint").await;
    assert!(zk.exists("/f/e", false).await.unwrap().is_some());
    assert_ne!(zk.state(), SessionState::Expired);
    zk.close().await;
}
