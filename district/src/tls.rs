//! TLS with rustls, when a certificate is configured (`serve --tls-cert --tls-key`).
//! Without them the server speaks plain HTTP, for a reverse proxy in front or a test.
//! The accept loop for both is `server::run`.

use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// PEM: the server's certificate, then any intermediates.
    pub cert: PathBuf,
    /// PEM: its private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Why the server cannot speak TLS with the files it was given. Each message names
/// the file; its cause (the operating system's or rustls's words) is the `source`,
/// so `{:#}`-style printing of the chain (`cli`) shows both.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot open the certificate {0}")]
    OpenCertificate(String, #[source] std::io::Error),
    #[error("{0} is not a PEM certificate")]
    NotCertificate(String, #[source] std::io::Error),
    #[error("{0} holds no certificate")]
    NoCertificate(String),
    #[error("cannot open the key {0}")]
    OpenKey(String, #[source] std::io::Error),
    #[error("{0} is not a PEM key")]
    NotKey(String, #[source] std::io::Error),
    #[error("{0} holds no private key")]
    NoKey(String),
    #[error("the certificate and key do not match")]
    Mismatch(#[source] rustls::Error),
    #[error(transparent)]
    Rustls(#[from] rustls::Error),
}

pub fn server_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, ConfigError> {
    let cert = files.cert.display().to_string();
    let key_name = files.key.display().to_string();
    let certs = rustls_pemfile::certs(&mut std::io::BufReader::new(
        std::fs::File::open(&files.cert)
            .map_err(|e| ConfigError::OpenCertificate(cert.clone(), e))?,
    ))
    .collect::<Result<Vec<_>, _>>()
    .map_err(|e| ConfigError::NotCertificate(cert.clone(), e))?;
    if certs.is_empty() {
        return Err(ConfigError::NoCertificate(cert));
    }
    let key = rustls_pemfile::private_key(&mut std::io::BufReader::new(
        std::fs::File::open(&files.key).map_err(|e| ConfigError::OpenKey(key_name.clone(), e))?,
    ))
    .map_err(|e| ConfigError::NotKey(key_name.clone(), e))?
    .ok_or(ConfigError::NoKey(key_name))?;
    // The provider is named rather than taken from the process default, so another
    // crate in the build enabling a second provider cannot make this ambiguous.
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(ConfigError::Mismatch)?;
    Ok(Arc::new(config))
}
