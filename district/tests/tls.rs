//! The district over TLS (`serve --tls-cert --tls-key`), as the README tells a district
//! to run it: a device that trusts the certificate (or the private CA that signed it)
//! gets answers; one that trusts neither, or speaks plain HTTP, gets nothing.
//!
//! Certificates are made here with rcgen rather than checked in, so no private key
//! lives in the repository and none expires under the tests.
//!
//! Also the transport's limits (issue 10): a client that connects and sends nothing,
//! or its header a byte at a time, is cut off after a bounded time, and connections
//! beyond the cap wait instead of growing without bound.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use linli_district::limits::Limits;
use linli_district::server;
use linli_district::state::AppState;
use linli_district::testing::{TestDb, TestServer};
use linli_district::tls::TlsFiles;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use tokio::sync::oneshot;

/// A TLS server on 127.0.0.1:0 for one test, stopped (and checked to stop cleanly)
/// by `stop`.
struct TlsServer {
    port: u16,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), linli_district::tls::ConfigError>>,
}

impl TlsServer {
    async fn start(db: &TestDb, files: TlsFiles) -> TlsServer {
        TlsServer::start_with(db, files, Limits::default()).await
    }

    async fn start_with(db: &TestDb, files: TlsFiles, limits: Limits) -> TlsServer {
        let pool = linli_district::db::pool(&db.url, 4).expect("a pool");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let port = listener.local_addr().unwrap().port();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server::run(
            listener,
            AppState::with_limits(pool, limits),
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
        assert_eq!(body["ok"], true, "{body}");
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
    assert_eq!(body["ok"], true, "{body}");
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

/// Reads until the server closes the connection; how long that took, or None if it
/// was still open after `patience`.
async fn closed_within(stream: &mut tokio::net::TcpStream, patience: Duration) -> Option<Duration> {
    use tokio::io::AsyncReadExt;
    let started = Instant::now();
    let mut buffer = [0u8; 1024];
    loop {
        match tokio::time::timeout_at((started + patience).into(), stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => continue,
        }
    }
}

fn quick(limits: Limits) -> Limits {
    Limits {
        tls_handshake: Duration::from_secs(1),
        header_read: Duration::from_secs(1),
        ..limits
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_never_finishes_the_tls_handshake_is_cut_off() {
    let db = TestDb::create();
    let dir = tempfile::tempdir().unwrap();
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let files = TlsFiles {
        cert: write(&dir, "district.pem", &made.cert.pem()),
        key: write(&dir, "district.key", &made.key_pair.serialize_pem()),
    };
    let server = TlsServer::start_with(&db, files, quick(Limits::default())).await;
    let mut silent = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    let took = closed_within(&mut silent, Duration::from_secs(8))
        .await
        .expect("a silent client is cut off");
    assert!(
        took >= Duration::from_millis(900),
        "cut off early: {took:?}"
    );
    // Half a ClientHello, then nothing: cut off all the same.
    let mut halfway = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut halfway, &[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .await
        .unwrap();
    assert!(closed_within(&mut halfway, Duration::from_secs(8))
        .await
        .is_some());
    // The server still answers others.
    let client = trusting(&made.cert.pem());
    healthz(
        &client,
        format!("https://127.0.0.1:{}/healthz", server.port),
    )
    .await
    .unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_sends_nothing_or_its_header_byte_by_byte_is_cut_off() {
    let db = TestDb::create();
    let server = TestServer::start_with(&db.url, quick(Limits::default()));
    let mut silent = tokio::net::TcpStream::connect(server.address)
        .await
        .unwrap();
    let took = closed_within(&mut silent, Duration::from_secs(8))
        .await
        .expect("a silent client is cut off");
    assert!(
        took >= Duration::from_millis(900),
        "cut off early: {took:?}"
    );

    let mut slow = tokio::net::TcpStream::connect(server.address)
        .await
        .unwrap();
    let (mut reader, mut writer) = slow.split();
    let dripping = async {
        use tokio::io::AsyncWriteExt;
        let header = b"GET /healthz HTTP/1.1\r\nHost: district\r\nX-Slow: ";
        for byte in header.iter().chain(std::iter::repeat(&b'a')).take(200) {
            if writer.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let watching = async {
        use tokio::io::AsyncReadExt;
        let started = Instant::now();
        let mut buffer = [0u8; 1024];
        loop {
            match tokio::time::timeout(Duration::from_secs(8), reader.read(&mut buffer)).await {
                Err(_) => return None,
                Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
                Ok(Ok(_)) => continue,
            }
        }
    };
    let took = tokio::select! {
        took = watching => took,
        () = dripping => None,
    };
    let took = took.expect("a header sent byte by byte for ever is cut off");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    // The server still answers a client that sends its request at once.
    let body: serde_json::Value = reqwest::get(format!("{}/healthz", server.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["ok"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_beyond_the_cap_wait_until_one_ends() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let db = TestDb::create();
    let server = TestServer::start_with(
        &db.url,
        Limits {
            max_connections: 2,
            ..Limits::default()
        },
    );
    let first = tokio::net::TcpStream::connect(server.address)
        .await
        .unwrap();
    let _second = tokio::net::TcpStream::connect(server.address)
        .await
        .unwrap();
    // Both are being served (idle): the third is accepted by the kernel, not served.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = tokio::net::TcpStream::connect(server.address)
        .await
        .unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: district\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let early = tokio::time::timeout(Duration::from_secs(1), third.read_to_end(&mut answer)).await;
    assert!(
        early.is_err(),
        "served beyond the cap: {:?}",
        String::from_utf8_lossy(&answer)
    );
    drop(first);
    tokio::time::timeout(Duration::from_secs(5), third.read_to_end(&mut answer))
        .await
        .expect("served once a place is free")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

// ---------------------------------------------------------------------------------
// The district's own connection to PostgreSQL over TLS (issue 10).

/// A private PostgreSQL server of this test's own (`bin/test-postgres`, which finds or
/// installs the binaries and runs them as the right user), stopped when dropped.
struct PrivatePostgres {
    dir: PathBuf,
    connection: String,
}

impl PrivatePostgres {
    fn start() -> PrivatePostgres {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../bin/test-postgres");
        let dir_file = tempfile::NamedTempFile::new().unwrap();
        let out = std::process::Command::new(script)
            .env("LINLI_PRIVATE_PG", "1")
            .env("LINLI_PG_DIR_FILE", dir_file.path())
            .output()
            .expect("bin/test-postgres runs");
        assert!(
            out.status.success(),
            "bin/test-postgres: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        PrivatePostgres {
            dir: PathBuf::from(std::fs::read_to_string(dir_file.path()).unwrap().trim()),
            connection: String::from_utf8(out.stdout).unwrap().trim().to_string(),
        }
    }

    /// Turns TLS on with this certificate and key, as a DBA would (no restart).
    fn enable_tls(&self, cert_pem: &str, key_pem: &str) {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let data = self.dir.join("data");
        let owner = std::fs::metadata(&data).unwrap();
        for (name, pem) in [("server.crt", cert_pem), ("server.key", key_pem)] {
            let path = data.join(name);
            std::fs::write(&path, pem).unwrap();
            // PostgreSQL takes a key only its own user can read.
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            std::os::unix::fs::chown(&path, Some(owner.uid()), Some(owner.gid())).unwrap();
        }
        let url = self.connection.clone();
        block_on(async move {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            // One by one: ALTER SYSTEM cannot share a statement batch.
            for statement in [
                "ALTER SYSTEM SET ssl_cert_file = 'server.crt'",
                "ALTER SYSTEM SET ssl_key_file = 'server.key'",
                "ALTER SYSTEM SET ssl = on",
                "SELECT pg_reload_conf()",
            ] {
                client.batch_execute(statement).await.unwrap();
            }
        });
        // The reload is taken up by new connections shortly after.
        std::thread::sleep(Duration::from_millis(500));
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../bin/test-postgres");
        let _ = std::process::Command::new(script)
            .arg("stop")
            .arg(&self.dir)
            .output();
    }
}

fn block_on<T: Send + 'static>(work: impl std::future::Future<Output = T> + Send + 'static) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(work)
    })
    .join()
    .unwrap()
}

/// Through the district's own pool: whether the connection is encrypted, or why
/// there is none.
fn ssl_in_use(url: &str) -> Result<bool, String> {
    let url = url.to_string();
    block_on(async move {
        let pool = linli_district::db::pool(&url, 1).map_err(|e| format!("{e:#}"))?;
        let client = pool.get().await.map_err(|e| {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                text.push_str(": ");
                text.push_str(&cause.to_string());
                source = cause.source();
            }
            text
        })?;
        let row = client
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .await
            .map_err(|e| e.to_string())?;
        Ok(row.get(0))
    })
}

#[test]
fn the_district_reaches_postgresql_over_tls_when_the_database_url_asks() {
    let postgres = PrivatePostgres::start();
    let plain = postgres.connection.clone();
    // A server without TLS: require refuses to go on in the clear, and says why.
    let refused = ssl_in_use(&format!("{plain} sslmode=require")).unwrap_err();
    assert!(
        refused.to_lowercase().contains("tls") || refused.to_lowercase().contains("ssl"),
        "{refused}"
    );
    assert_eq!(ssl_in_use(&plain), Ok(false));

    // A CA of the district's own signs the database's certificate, for "localhost".
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Linli test database CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server_cert = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&server_key, &ca, &ca_key)
        .unwrap();
    postgres.enable_tls(&server_cert.pem(), &server_key.serialize_pem());
    let dir = tempfile::tempdir().unwrap();
    let ca_file = write(&dir, "ca.pem", &ca.pem());
    let stranger = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let stranger_file = write(&dir, "stranger.pem", &stranger.cert.pem());
    let by_name = plain.replace("host=127.0.0.1", "host=localhost hostaddr=127.0.0.1");
    let ca_path = ca_file.display().to_string();

    assert_eq!(ssl_in_use(&format!("{plain} sslmode=require")), Ok(true));
    assert_eq!(
        ssl_in_use(&format!(
            "{by_name} sslmode=verify-full sslrootcert={ca_path}"
        )),
        Ok(true)
    );
    // The same in URL form, as most DATABASE_URLs are written.
    let port = plain
        .split_whitespace()
        .find_map(|kv| kv.strip_prefix("port="))
        .unwrap();
    assert_eq!(
        ssl_in_use(&format!(
            "postgres://postgres@localhost:{port}/postgres?sslmode=verify-full&sslrootcert={ca_path}"
        )),
        Ok(true)
    );
    // verify-ca checks the chain only; verify-full the name too (the certificate
    // names localhost, not 127.0.0.1).
    assert_eq!(
        ssl_in_use(&format!("{plain} sslmode=verify-ca sslrootcert={ca_path}")),
        Ok(true)
    );
    let wrong_name = ssl_in_use(&format!(
        "{plain} sslmode=verify-full sslrootcert={ca_path}"
    ));
    assert!(wrong_name.is_err(), "{wrong_name:?}");
    let wrong_ca = ssl_in_use(&format!(
        "{by_name} sslmode=verify-full sslrootcert={}",
        stranger_file.display()
    ));
    assert!(wrong_ca.is_err(), "{wrong_ca:?}");
    let no_ca = ssl_in_use(&format!("{by_name} sslmode=verify-full")).unwrap_err();
    assert!(no_ca.contains("sslrootcert"), "{no_ca}");
    // Asked for nothing, the district stays on plain TCP.
    assert_eq!(ssl_in_use(&plain), Ok(false));
}
