//! Asks an etcd endpoint directly whether it refuses our TLS client
//! certificate.
//!
//! Why this exists: in TLS 1.3 the server judges the client certificate
//! after the client has finished its side of the handshake, so the client
//! already sends its first request when etcd's refusal (an alert such as
//! `CertificateRequired` or `UnknownCA`) arrives. Whether the gRPC stack
//! reports that alert or only "connection closed" depends on which of the
//! two wins the race, and a retry loop could hit "connection closed" for
//! seconds. This probe does one handshake of its own with the same
//! settings, speaks first and reads etcd's first bytes: a refusal arrives
//! there as the alert, every time.

use std::sync::Arc;
use std::time::Duration;

use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

use super::security::{first_answer, tls_failure, TlsOptions};

/// The same trust and identity the client connects with.
pub struct TlsProbe {
    config: Arc<ClientConfig>,
    server_name: Option<String>,
}

impl TlsProbe {
    /// `None` when rustls cannot use the settings here; the client's own
    /// connect refuses such settings with a clear error first.
    pub fn new(t: &TlsOptions) -> Option<TlsProbe> {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(&t.ca_pem) {
            roots.add(cert.ok()?).ok()?;
        }
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .ok()?
            .with_root_certificates(roots);
        let config = match (&t.cert_pem, &t.key_pem) {
            (Some(cert), Some(key)) => {
                let chain = CertificateDer::pem_slice_iter(cert).collect::<Result<Vec<_>, _>>().ok()?;
                builder.with_client_auth_cert(chain, PrivateKeyDer::from_pem_slice(key).ok()?).ok()?
            }
            _ => builder.with_no_client_auth(),
        };
        Some(TlsProbe { config: Arc::new(config), server_name: t.server_name.clone() })
    }

    /// What `endpoint` (`host:port`) refuses about our TLS settings, in
    /// words; `None` when it accepts them, or cannot be asked within 2 s.
    pub async fn refusal(&self, endpoint: &str) -> Option<String> {
        let probe = async {
            let host = match &self.server_name {
                Some(name) => name.as_str(),
                None => host_of(endpoint),
            };
            let name = ServerName::try_from(host.to_string()).ok()?;
            let tcp = tokio::net::TcpStream::connect(endpoint).await.ok()?;
            let mut tls = match TlsConnector::from(self.config.clone()).connect(name, tcp).await {
                Ok(s) => s,
                Err(e) => return tls_failure(&format!("{e} {e:?}"), true),
            };
            match first_answer(&mut tls).await? {
                Ok(_) => None,
                Err(e) => tls_failure(&format!("{e} {e:?}"), true),
            }
        };
        tokio::time::timeout(Duration::from_secs(2), probe).await.ok().flatten()
    }
}

/// The host part of `host:port` or `[v6]:port`.
fn host_of(endpoint: &str) -> &str {
    let host = match endpoint.rfind(':') {
        Some(i) if !endpoint[i + 1..].contains(']') => &endpoint[..i],
        _ => endpoint,
    };
    host.trim_start_matches('[').trim_end_matches(']')
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn host_of_endpoints() {
        assert_eq!(host_of("127.0.0.1:2379"), "127.0.0.1");
        assert_eq!(host_of("etcd-0.example:2379"), "etcd-0.example");
        assert_eq!(host_of("[::1]:2379"), "::1");
        assert_eq!(host_of("localhost"), "localhost");
    }
}
