//! The district over TLS (`serve --tls-cert --tls-key`), as the README tells a district
//! to run it: a device that trusts the certificate (or the private CA that signed it)
//! gets answers; one that trusts neither, or speaks plain HTTP, gets nothing.
//!
//! Certificates are made here with rcgen rather than checked in, so no private key
//! lives in the repository and none expires under the tests.

use std::path::PathBuf;

use linli_district::server::{self, AppState};
use linli_district::testing::TestDb;
use linli_district::tls::TlsFiles;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use tokio::sync::oneshot;

/// A TLS server on 127.0.0.1:0 for one test, stopped (and checked to stop cleanly)
/// by `stop`.
struct TlsServer {
    port: u16,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl TlsServer {
    async fn start(db: &TestDb, files: TlsFiles) -> TlsServer {
        let pool = linli_district::db::pool(&db.url, 4).expect("a pool");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let port = listener.local_addr().unwrap().port();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server::run(
            listener,
            AppState::new(pool),
            Some(files),
            async {
                let _ = stopped.await;
            },
        ));
        TlsServer { port, stop, task }
    }

    async fn stop(self) {
        self.stop.send(()).expect("the server is still running");
        self.task
            .await
            .expect("the server task ends")
            .expect("the server stops without an error");
    }
}

fn write(dir: &tempfile::TempDir, name: &str, pem: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, pem).unwrap();
    path
}

/// A client that trusts only `pem`, not the public roots: the test must not pass
/// because some other root happens to vouch for the server.
fn trusting(pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_pem(pem.as_bytes()).expect("a PEM certificate"),
        )
        .build()
        .unwrap()
}

async fn healthz(
    client: &reqwest::Client,
    url: String,
) -> Result<serde_json::Value, reqwest::Error> {
    let response = client.get(url).send().await?;
    assert_eq!(response.status(), 200);
    response.json().await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_trusting_a_self_signed_certificate_gets_answers_and_plain_http_does_not() {
    let db = TestDb::create();
    let dir = tempfile::tempdir().unwrap();
    let made =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    let cert_pem = made.cert.pem();
    let files = TlsFiles {
        cert: write(&dir, "district.pem", &cert_pem),
        key: write(&dir, "district.key", &made.key_pair.serialize_pem()),
    };
    let server = TlsServer::start(&db, files).await;

    let client = trusting(&cert_pem);
    for host in ["127.0.0.1", "localhost"] {
        let body = healthz(&client, format!("https://{host}:{}/healthz", server.port))
            .await
            .unwrap_or_else(|e| panic!("HTTPS to {host} fails: {e:?}"));
        assert_eq!(body, serde_json::json!({"ok": true}));
    }

    // Without that trust the connection is refused: the certificate is really checked.
    let stranger = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    let refused = stranger
        .get(format!("https://127.0.0.1:{}/healthz", server.port))
        .send()
        .await;
    assert!(
        refused.is_err(),
        "a client that does not trust the certificate got {refused:?}"
    );

    // Plain HTTP to the TLS port gets no answer, so a device misconfigured with http://
    // fails loudly instead of sending its credential in the clear to something.
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{}/healthz", server.port))
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await;
    assert!(
        plain.is_err(),
        "plain HTTP to the TLS port answered {plain:?}"
    );

    // Neither broken connection took the server down.
    healthz(
        &client,
        format!("https://127.0.0.1:{}/healthz", server.port),
    )
    .await
    .expect("the server still answers after bad connections");
    server.stop().await;
}

/// The README's other way: a district's private CA signs the server's certificate,
/// the server sends the chain (its certificate, then the CA's), and a device trusts
/// the CA alone (what `LINLI_DISTRICT_CA` gives the kiosk).
#[tokio::test(flavor = "multi_thread")]
async fn a_client_trusting_a_private_ca_gets_answers_from_a_certificate_it_signed() {
    let db = TestDb::create();
    let dir = tempfile::tempdir().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Linli test district CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let mut leaf_params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "district.test");
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).unwrap();
    let files = TlsFiles {
        cert: write(&dir, "chain.pem", &format!("{}{}", leaf.pem(), ca.pem())),
        key: write(&dir, "district.key", &leaf_key.serialize_pem()),
    };
    let server = TlsServer::start(&db, files).await;
    let body = healthz(
        &trusting(&ca.pem()),
        format!("https://localhost:{}/healthz", server.port),
    )
    .await
    .unwrap_or_else(|e| panic!("HTTPS with the private CA fails: {e:?}"));
    assert_eq!(body, serde_json::json!({"ok": true}));
    server.stop().await;
}

/// A key that is not the certificate's is refused when the server starts, with a
/// message, rather than at each device's handshake.
#[test]
fn a_key_that_does_not_match_the_certificate_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let other = KeyPair::generate().unwrap();
    let files = TlsFiles {
        cert: write(&dir, "district.pem", &made.cert.pem()),
        key: write(&dir, "other.key", &other.serialize_pem()),
    };
    let error =
        linli_district::tls::server_config(&files).expect_err("a mismatched key is refused");
    assert!(format!("{error:#}").contains("do not match"), "{error:#}");
    let missing = TlsFiles {
        cert: dir.path().join("absent.pem"),
        key: files.key.clone(),
    };
    let error =
        linli_district::tls::server_config(&missing).expect_err("a missing certificate is refused");
    assert!(format!("{error:#}").contains("absent.pem"), "{error:#}");
}
