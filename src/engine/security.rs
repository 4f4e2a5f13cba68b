//! How a client proves who it is to etcd and checks etcd's identity: TLS
//! (CA bundle, client certificate, server name) and etcd user + password.
//! Turns them into `etcd-client` options, and names the cause of a
//! security failure in words an operator can act on.
//!
//! Secrets (the private key, the password) never reach a log line, an error
//! message or a `Debug` output.

use std::fmt;

use etcd_client::{Certificate, ConnectOptions, Identity, TlsOptions as EtcdTls};

use crate::znode::{Code, ZkError, ZkResult};

/// TLS to etcd. Endpoints are then reached as `https://host:port`.
#[derive(Clone, Default)]
pub struct TlsOptions {
    /// PEM certificates of the CAs that sign etcd's server certificates.
    pub ca_pem: Vec<u8>,
    /// PEM client certificate chain (mTLS); with `key_pem`.
    pub cert_pem: Option<Vec<u8>>,
    /// PEM private key of the client certificate (PKCS#8, PKCS#1 or SEC1).
    pub key_pem: Option<Vec<u8>>,
    /// Name checked against the server certificate instead of the
    /// endpoint's host (for IP endpoints whose certificate names a host).
    pub server_name: Option<String>,
}

impl fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsOptions")
            .field("ca_pem", &format_args!("{} bytes", self.ca_pem.len()))
            .field("client_cert", &self.cert_pem.is_some())
            .field("key", &self.key_pem.as_ref().map(|_| "<redacted>"))
            .field("server_name", &self.server_name)
            .finish()
    }
}

/// An etcd user (etcd's `auth enable` mode). The client re-authenticates
/// whenever etcd says its token expired.
#[derive(Clone)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("user", &self.user).field("password", &"<redacted>").finish()
    }
}

/// Adds TLS and credentials to `options`; refuses incomplete TLS settings.
pub fn apply(
    mut options: ConnectOptions,
    tls: Option<&TlsOptions>,
    creds: Option<&Credentials>,
) -> ZkResult<ConnectOptions> {
    if let Some(t) = tls {
        options = options.with_tls(tls_config(t)?);
    }
    if let Some(c) = creds {
        if c.user.is_empty() {
            return Err(ZkError::bad_arguments("etcd user name is empty"));
        }
        // Expired tokens are renewed on the next unary call; streams are
        // reopened by their owners (see `is_expired_token`).
        options = options.with_user(c.user.clone(), c.password.clone()).with_auto_token_refresh(true);
    }
    Ok(options)
}

fn tls_config(t: &TlsOptions) -> ZkResult<EtcdTls> {
    if !has_pem_block(&t.ca_pem, "CERTIFICATE") {
        return Err(ZkError::bad_arguments(
            "TLS to etcd needs the CA certificate(s) in PEM (no CERTIFICATE block found)",
        ));
    }
    let mut config = EtcdTls::new().ca_certificate(Certificate::from_pem(&t.ca_pem));
    match (&t.cert_pem, &t.key_pem) {
        (Some(cert), Some(key)) => {
            if !has_pem_block(cert, "CERTIFICATE") {
                return Err(ZkError::bad_arguments("client certificate: no PEM CERTIFICATE block found"));
            }
            if !has_pem_block(key, "PRIVATE KEY") {
                return Err(ZkError::bad_arguments("client key: no PEM PRIVATE KEY block found"));
            }
            config = config.identity(Identity::from_pem(cert, key));
        }
        (None, None) => {}
        _ => return Err(ZkError::bad_arguments("a client certificate needs both the certificate and its key")),
    }
    if let Some(name) = &t.server_name {
        config = config.domain_name(name.clone());
    }
    Ok(config)
}

/// True when `pem` holds a `-----BEGIN ...<kind>-----` block (kind may be
/// preceded by a key type, as in `RSA PRIVATE KEY`).
fn has_pem_block(pem: &[u8], kind: &str) -> bool {
    let text = String::from_utf8_lossy(pem);
    text.lines().any(|l| l.starts_with("-----BEGIN ") && l.trim_end().ends_with(&format!("{kind}-----")))
}

/// etcd's message for a stale token (simple tokens live `--auth-token-ttl`).
pub fn is_expired_token(msg: &str) -> bool {
    msg.contains("invalid auth token")
}

/// Names a security refusal by etcd (an answer, not a transport failure).
/// `None` when `msg` is not one.
pub fn auth_refusal(msg: &str) -> Option<ZkError> {
    let m = msg.to_ascii_lowercase();
    let (code, text) = if m.contains("user name is empty") {
        (Code::AuthFailed, "etcd requires authentication: configure an etcd user and password, or a client certificate whose CN is an etcd user")
    } else if m.contains("authentication failed")
        || m.contains("invalid user id or password")
        || m.contains("user name not found")
    {
        (Code::AuthFailed, "etcd refused the user name or password")
    } else if m.contains("authentication is not enabled") {
        (Code::AuthFailed, "etcd authentication is not enabled, yet a user and password were given")
    } else if m.contains("permission denied") {
        (Code::NoAuth, "etcd permission denied: the etcd user's roles do not cover this namespace")
    } else if is_expired_token(&m) {
        (Code::AuthFailed, "etcd auth token refused (expired, or the user was changed) and could not be renewed")
    } else {
        return None;
    };
    Some(ZkError::new(code, format!("{text} ({msg})")))
}

/// Names a TLS failure found in a transport error chain. `None` when the
/// failure is not about TLS. These are settled answers about this endpoint,
/// not transient faults.
pub fn tls_failure(chain: &str, tls_configured: bool) -> Option<String> {
    let c = chain;
    let what = if c.contains("UnknownIssuer") {
        "the server certificate is not signed by the configured CA (unknown CA)"
    } else if c.contains("NotValidForName") {
        "the server certificate does not name this host (name mismatch: set the server name to one the certificate holds)"
    } else if c.contains("Expired") && c.contains("invalid peer certificate") {
        "the server certificate has expired"
    } else if c.contains("NotValidYet") {
        "the server certificate is not valid yet"
    } else if c.contains("invalid peer certificate") {
        "the server certificate was refused"
    } else if c.contains("CertificateRequired") {
        "etcd requires a client certificate and none was configured"
    } else if c.contains("CertificateExpired") {
        "etcd refused the client certificate: it has expired (or is not valid yet)"
    } else if c.contains("UnknownCA") {
        "etcd refused the client certificate: it is not signed by a CA etcd trusts (--trusted-ca-file)"
    } else if c.contains("BadCertificate") || c.contains("CertificateUnknown") || c.contains("UnsupportedCertificate") {
        "etcd refused the client certificate (expired, not signed by a CA etcd trusts, or not for client auth)"
    } else if c.contains("HandshakeFailure") || c.contains("ProtocolVersion") {
        "the TLS handshake failed (no common protocol version or cipher suite)"
    } else if tls_configured
        && (c.contains("InvalidContentType")
            || c.contains("CorruptMessage")
            || c.contains("InvalidMessage")
            || c.contains("tls handshake eof"))
    {
        "the endpoint does not speak TLS (is it a plaintext http:// etcd URL?)"
    } else {
        return None;
    };
    Some(what.to_string())
}

/// The error for a TLS failure on every endpoint.
pub fn tls_error(endpoint: &str, what: &str) -> ZkError {
    ZkError::new(Code::AuthFailed, format!("TLS to etcd {endpoint}: {what}"))
}

/// The error for a plaintext client on a TLS-only endpoint.
pub fn tls_required(endpoint: &str) -> ZkError {
    ZkError::new(
        Code::AuthFailed,
        format!("etcd {endpoint} requires TLS: it closes plaintext connections at once (configure TLS: a CA bundle, and a client certificate if etcd asks for one)"),
    )
}

/// Transport failures of a connection the other end closed at once: what
/// a TLS-only port causes in a plaintext HTTP/2 client, and (TLS 1.3) a
/// refused client certificate whose alert lost the race. An io error kind
/// shows in the chain as `Kind(ConnectionReset)`, a message as "connection
/// reset": both forms count.
pub fn may_be_tls_port(chain: &str) -> bool {
    let c = chain.to_ascii_lowercase();
    ["broken pipe", "brokenpipe", "connection closed", "connection reset", "connectionreset", "unexpectedeof"]
        .iter()
        .any(|s| c.contains(s))
}

/// The HTTP/2 client preface and an empty SETTINGS frame: an etcd that
/// accepts the connection answers with its own SETTINGS.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0";

/// Speaks first on a fresh connection to an etcd endpoint (the HTTP/2
/// preface) and reads its first answer: how many bytes came, or why none
/// could be read. `None` when the preface could not be sent.
pub async fn first_answer<S>(s: &mut S) -> Option<std::io::Result<usize>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    s.write_all(H2_PREFACE).await.ok()?;
    let mut buf = [0u8; 64];
    Some(s.read(&mut buf).await)
}

/// Sends the HTTP/2 preface to `endpoint` in plaintext: an etcd without TLS
/// answers with its SETTINGS frame, a TLS-only etcd closes the connection
/// without a byte.
pub async fn closes_plaintext(endpoint: &str) -> bool {
    let probe = async {
        let mut s = tokio::net::TcpStream::connect(endpoint).await.ok()?;
        Some(matches!(first_answer(&mut s).await?, Ok(0) | Err(_)))
    };
    matches!(tokio::time::timeout(std::time::Duration::from_secs(2), probe).await, Ok(Some(true)))
}

#[cfg(test)]
mod tests {
    use super::may_be_tls_port;

    #[test]
    fn closed_connections_in_every_form_seen() {
        // Chains seen from a plaintext client on a TLS-only etcd.
        for chain in [
            r#"GRpcStatus(Status { code: Unknown, message: "transport error", source: Some(tonic::transport::Error(Transport, hyper::Error(Io, Kind(ConnectionReset)))) })"#,
            r#"GRpcStatus(Status { code: Unknown, message: "transport error", source: Some(tonic::transport::Error(Transport, hyper::Error(Io, Custom { kind: BrokenPipe, error: "stream closed because of a broken pipe" }))) })"#,
            r#"GRpcStatus(Status { code: Cancelled, message: "operation was canceled", source: Some(tonic::transport::Error(Transport, hyper::Error(Canceled, "connection closed"))) })"#,
        ] {
            assert!(may_be_tls_port(chain), "{chain}");
        }
        let refused = r#"GRpcStatus(Status { code: Unavailable, message: "tcp connect error", source: Some(ConnectionRefused) })"#;
        assert!(!may_be_tls_port(refused));
    }
}
