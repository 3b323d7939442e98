//! TLS with rustls, when a certificate is configured (`serve --tls-cert --tls-key`).
//! Without them the server speaks plain HTTP, for a reverse proxy in front or a test.
//! The accept loop for both is `server::run`.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// PEM: the server's certificate, then any intermediates.
    pub cert: PathBuf,
    /// PEM: its private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

pub fn server_config(files: &TlsFiles) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let certs = rustls_pemfile::certs(&mut std::io::BufReader::new(
        std::fs::File::open(&files.cert)
            .with_context(|| format!("cannot open the certificate {}", files.cert.display()))?,
    ))
    .collect::<Result<Vec<_>, _>>()
    .with_context(|| format!("{} is not a PEM certificate", files.cert.display()))?;
    anyhow::ensure!(
        !certs.is_empty(),
        "{} holds no certificate",
        files.cert.display()
    );
    let key = rustls_pemfile::private_key(&mut std::io::BufReader::new(
        std::fs::File::open(&files.key)
            .with_context(|| format!("cannot open the key {}", files.key.display()))?,
    ))
    .with_context(|| format!("{} is not a PEM key", files.key.display()))?
    .with_context(|| format!("{} holds no private key", files.key.display()))?;
    // The provider is named rather than taken from the process default, so another
    // crate in the build enabling a second provider cannot make this ambiguous.
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .context("the certificate and key do not match")?;
    Ok(Arc::new(config))
}
