//! Certificates generated in the test (rcgen): a CA, server certificates
//! for loopback names, client certificates (also expired ones), written as
//! PEM files etcd can read.

use std::fs;
use std::path::{Path, PathBuf};

use rcgen::{
    date_time_ymd, BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

/// A certificate authority.
pub struct Ca {
    cert: Certificate,
    key: KeyPair,
    pub pem: String,
}

/// A PEM certificate and its private key, also written to files.
pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

impl Ca {
    pub fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let pem = cert.pem();
        Ca { cert, key, pem }
    }

    /// Writes the CA certificate to `dir/<file>`.
    pub fn write(&self, dir: &Path, file: &str) -> PathBuf {
        let p = dir.join(file);
        fs::write(&p, &self.pem).unwrap();
        p
    }

    /// A server certificate for `names` (DNS names or IP addresses).
    pub fn server(&self, dir: &Path, file: &str, names: &[&str]) -> Issued {
        let mut params = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        params.distinguished_name.push(DnType::CommonName, names[0]);
        // etcd also uses its server certificate as a client of itself (gateway).
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
        self.issue(params, dir, file)
    }

    /// A client certificate whose CN is `cn` (etcd maps the CN to a user).
    pub fn client(&self, dir: &Path, file: &str, cn: &str) -> Issued {
        self.issue(client_params(cn), dir, file)
    }

    /// A client certificate that expired in 2021.
    pub fn expired_client(&self, dir: &Path, file: &str, cn: &str) -> Issued {
        let mut params = client_params(cn);
        params.not_before = date_time_ymd(2020, 1, 1);
        params.not_after = date_time_ymd(2021, 1, 1);
        self.issue(params, dir, file)
    }

    fn issue(&self, params: CertificateParams, dir: &Path, file: &str) -> Issued {
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        let (cert_pem, key_pem) = (cert.pem(), key.serialize_pem());
        let cert_file = dir.join(format!("{file}.crt"));
        let key_file = dir.join(format!("{file}.key"));
        fs::write(&cert_file, &cert_pem).unwrap();
        fs::write(&key_file, &key_pem).unwrap();
        Issued { cert_pem, key_pem, cert_file, key_file }
    }
}

fn client_params(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params
}
