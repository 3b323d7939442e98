//! PostgreSQL over TLS, when the connection string asks for it, with rustls (the same
//! TLS library the server speaks HTTPS with).
//!
//! tokio-postgres reads `sslmode` as `disable`, `prefer` or `require` only and knows no
//! `sslrootcert`; the district takes libpq's words and meanings, so the connection
//! string a DBA wrote for psql works here too:
//!
//! - no `sslmode`, or `disable`: plain TCP (a database on the same host or network);
//! - `allow` / `prefer`: TLS when the server offers it, unchecked, else plain;
//! - `require`: TLS or no connection; the certificate is checked against
//!   `sslrootcert` when one is given (as libpq does), otherwise not checked;
//! - `verify-ca`: TLS, and the certificate must chain to `sslrootcert`;
//! - `verify-full`: as `verify-ca`, and it must name the host connected to.
//!
//! `sslrootcert` is a PEM file of CA certificates, in the connection string or in
//! `PGSSLROOTCERT`.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error as TlsError, SignatureScheme};
use tokio_postgres::config::SslMode;

/// Why a connection string cannot be used: each says what to change in it.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error(
        "sslmode \"{0}\" is not one of disable, allow, prefer, require, verify-ca, verify-full"
    )]
    UnknownMode(String),
    #[error("DATABASE_URL is not a PostgreSQL connection string: {0}")]
    NotPostgres(tokio_postgres::Error),
    #[error("sslmode={0} needs the CA certificate that signed the database's certificate: give sslrootcert=/path/ca.pem in DATABASE_URL or PGSSLROOTCERT")]
    NeedsRoot(&'static str),
    #[error("cannot open sslrootcert {0}")]
    OpenRoot(String, #[source] std::io::Error),
    #[error("{0} is not a PEM file")]
    NotPem(String, #[source] std::io::Error),
    #[error("{0} holds a certificate that cannot be a CA")]
    NotCa(String, #[source] rustls::Error),
    #[error("sslrootcert {0} holds no certificate")]
    NoRoot(String),
    #[error("the CA certificates in sslrootcert cannot be used")]
    UnusableRoots(#[source] rustls::client::VerifierBuilderError),
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// How the district talks to PostgreSQL, read from its connection string.
pub struct Connection {
    pub config: tokio_postgres::Config,
    /// `None`: plain TCP.
    pub tls: Option<rustls::ClientConfig>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// Splits off the TLS settings tokio-postgres does not read, from either form of
/// connection string (URL or key=value). Returns the rest, `sslmode` and `sslrootcert`.
fn split_tls_settings(url: &str) -> (String, Option<String>, Option<String>) {
    let (mut mode, mut root) = (None, None);
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let Some((base, query)) = url.split_once('?') else {
            return (url.to_string(), None, None);
        };
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("sslmode", value)) => mode = Some(percent_decode(value)),
                Some(("sslrootcert", value)) => root = Some(percent_decode(value)),
                _ => kept.push(pair),
            }
        }
        let rest = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        (rest, mode, root)
    } else {
        let mut kept = Vec::new();
        for token in key_value_tokens(url) {
            match token.split_once('=') {
                Some(("sslmode", value)) => mode = Some(unquote(value)),
                Some(("sslrootcert", value)) => root = Some(unquote(value)),
                _ => kept.push(token),
            }
        }
        (kept.join(" "), mode, root)
    }
}

/// `key=value` pairs separated by spaces, a value possibly single-quoted with spaces
/// and backslash escapes inside (libpq's format).
fn key_value_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut escaped) = (false, false);
    for c in text.chars() {
        if escaped {
            current.push(c);
            escaped = false;
        } else if c == '\\' {
            current.push(c);
            escaped = true;
        } else if c == '\'' {
            current.push(c);
            quoted = !quoted;
        } else if c.is_whitespace() && !quoted {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

fn unquote(value: &str) -> String {
    let inner = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .unwrap_or(value);
    let mut out = String::new();
    let mut escaped = false;
    for c in inner.chars() {
        if escaped || c != '\\' {
            out.push(c);
            escaped = false;
        } else {
            escaped = true;
        }
    }
    out
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap() * 16 + hex(l).unwrap()) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads the connection string: the driver's configuration and, when TLS is asked
/// for, the rustls client configuration that checks what the mode says.
pub fn connection(url: &str) -> Result<Connection, ConnectionError> {
    let (rest, mode, root) = split_tls_settings(url);
    let mode = match mode.as_deref().map(str::trim) {
        None | Some("disable") => Mode::Disable,
        Some("allow" | "prefer") => Mode::Prefer,
        Some("require") => Mode::Require,
        Some("verify-ca") => Mode::VerifyCa,
        Some("verify-full") => Mode::VerifyFull,
        Some(other) => return Err(ConnectionError::UnknownMode(other.to_string())),
    };
    let mut config: tokio_postgres::Config = rest.parse().map_err(ConnectionError::NotPostgres)?;
    if mode == Mode::Disable {
        config.ssl_mode(SslMode::Disable);
        return Ok(Connection { config, tls: None });
    }
    config.ssl_mode(if mode == Mode::Prefer {
        SslMode::Prefer
    } else {
        SslMode::Require
    });
    let root = root.filter(|r| !r.is_empty()).or_else(|| {
        std::env::var("PGSSLROOTCERT")
            .ok()
            .filter(|r| !r.is_empty())
    });
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let roots = match &root {
        Some(path) => Some(load_roots(path)?),
        None if matches!(mode, Mode::VerifyCa | Mode::VerifyFull) => {
            return Err(ConnectionError::NeedsRoot(if mode == Mode::VerifyCa {
                "verify-ca"
            } else {
                "verify-full"
            }))
        }
        None => None,
    };
    let tls = match (mode, roots) {
        (Mode::VerifyFull, Some(roots)) => {
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        // libpq's require with a root file, and verify-ca: the chain, not the name.
        (Mode::Require | Mode::VerifyCa, Some(roots)) => {
            let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(ConnectionError::UnusableRoots)?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(ChainOnly(inner)))
                .with_no_client_auth()
        }
        _ => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unchecked(provider)))
            .with_no_client_auth(),
    };
    Ok(Connection {
        config,
        tls: Some(tls),
    })
}

fn load_roots(path: &str) -> Result<rustls::RootCertStore, ConnectionError> {
    let file =
        std::fs::File::open(path).map_err(|e| ConnectionError::OpenRoot(path.to_string(), e))?;
    let mut roots = rustls::RootCertStore::empty();
    for certificate in rustls_pemfile::certs(&mut std::io::BufReader::new(file)) {
        let certificate = certificate.map_err(|e| ConnectionError::NotPem(path.to_string(), e))?;
        roots
            .add(certificate)
            .map_err(|e| ConnectionError::NotCa(path.to_string(), e))?;
    }
    if roots.is_empty() {
        return Err(ConnectionError::NoRoot(path.to_string()));
    }
    Ok(roots)
}

/// verify-ca: the certificate must chain to the given CA; the name it carries is not
/// compared with the host (that is what verify-full adds).
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(TlsError::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// require without a CA, as libpq: the connection is encrypted, the certificate is
/// not checked (the handshake's own signatures still are).
#[derive(Debug)]
struct Unchecked(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_settings_come_out_of_both_forms() {
        let (rest, mode, root) = split_tls_settings(
            "postgres://u@h:5/db?sslmode=verify-full&application_name=x&sslrootcert=%2Fetc%2Fca.pem",
        );
        assert_eq!(rest, "postgres://u@h:5/db?application_name=x");
        assert_eq!(mode.as_deref(), Some("verify-full"));
        assert_eq!(root.as_deref(), Some("/etc/ca.pem"));
        let (rest, mode, root) =
            split_tls_settings("host=h user=u sslmode=require sslrootcert='/a b/ca.pem' dbname=d");
        assert_eq!(rest, "host=h user=u dbname=d");
        assert_eq!(mode.as_deref(), Some("require"));
        assert_eq!(root.as_deref(), Some("/a b/ca.pem"));
        assert!(connection("host=h sslmode=sometimes").is_err());
        let needs_root = connection("host=h sslmode=verify-full").err().unwrap();
        assert!(format!("{needs_root:#}").contains("sslrootcert"));
        assert!(connection("host=h").unwrap().tls.is_none());
        assert!(connection("host=h sslmode=require").unwrap().tls.is_some());
    }
}
