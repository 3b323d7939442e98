//! Test support shared by this crate's tests, the kiosk's end-to-end tests and the
//! load generator: a throwaway database on the test PostgreSQL server, and a server
//! on 127.0.0.1:0 in a background thread. Plain (blocking) functions, so tests of
//! either kind can use them.
//!
//! The PostgreSQL server is `LINLI_TEST_PG` (a connection string to a database the
//! tests may create databases from), else the local one at 127.0.0.1:5432 as user
//! postgres. `bin/test` starts a private server and sets `LINLI_TEST_PG` when no
//! server answers there.

use std::net::SocketAddr;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::limits::Limits;
use crate::server;
use crate::state::AppState;

pub fn admin_url() -> String {
    std::env::var("LINLI_TEST_PG")
        .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=postgres".into())
}

fn with_database(url: &str, name: &str) -> String {
    // Key=value strings take a trailing override; URLs get the name as their path.
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let (base, query) = match url.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (url, String::new()),
        };
        let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
        let host_end = base[scheme_end..]
            .find('/')
            .map(|i| i + scheme_end)
            .unwrap_or(base.len());
        format!("{}/{name}{query}", &base[..host_end])
    } else {
        format!("{url} dbname={name}")
    }
}

fn block_on<T: Send + 'static>(work: impl std::future::Future<Output = T> + Send + 'static) -> T {
    // A thread of its own, so this works from inside a tokio test as well.
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime starts")
            .block_on(work)
    })
    .join()
    .expect("the database work does not panic")
}

/// A database made for one test and dropped when this is dropped.
pub struct TestDb {
    pub url: String,
    name: String,
}

impl TestDb {
    /// A new, migrated database.
    pub fn create() -> TestDb {
        let name = format!("linli_test_{}", uuid::Uuid::new_v4().simple());
        let admin = admin_url();
        let create = format!("CREATE DATABASE {name}");
        block_on(async move {
            let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| panic!("the test PostgreSQL server ({admin}) answers: {e}"));
            tokio::spawn(connection);
            client
                .batch_execute(&create)
                .await
                .expect("CREATE DATABASE");
        });
        let url = with_database(&admin_url(), &name);
        let migrate_url = url.clone();
        block_on(async move {
            let pool = crate::db::pool(&migrate_url, 1).expect("pool");
            crate::db::migrate(&pool).await.expect("migrations apply");
        });
        TestDb { url, name }
    }

    /// Runs async work against a pool on this database, from any thread.
    pub fn run<T: Send + 'static, F>(
        &self,
        work: impl FnOnce(deadpool_postgres::Pool) -> F + Send + 'static,
    ) -> T
    where
        F: std::future::Future<Output = T> + Send,
    {
        let url = self.url.clone();
        block_on(async move {
            let pool = crate::db::pool(&url, 4).expect("pool");
            work(pool).await
        })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let admin = admin_url();
        block_on(async move {
            if let Ok((client, connection)) =
                tokio_postgres::connect(&admin, tokio_postgres::NoTls).await
            {
                tokio::spawn(connection);
                let _ = client.batch_execute(&drop).await;
            }
        });
    }
}

/// A district server on 127.0.0.1:0, serving until dropped.
pub struct TestServer {
    pub address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    pub fn start(database_url: &str) -> TestServer {
        TestServer::start_with(database_url, Limits::default())
    }

    /// A server with other limits (lower counts, shorter times) for tests of them.
    pub fn start_with(database_url: &str, limits: Limits) -> TestServer {
        TestServer::start_configured(database_url, limits, None)
    }

    /// A server whose clock reads `now` (tests of dates).
    pub fn start_at(database_url: &str, now: chrono::NaiveDateTime) -> TestServer {
        TestServer::start_configured(database_url, Limits::default(), Some(now))
    }

    fn start_configured(
        database_url: &str,
        limits: Limits,
        now: Option<chrono::NaiveDateTime>,
    ) -> TestServer {
        let url = database_url.to_string();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime starts");
            runtime.block_on(async move {
                let pool = crate::db::pool(&url, 8).expect("pool");
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind 127.0.0.1:0");
                ready_tx
                    .send(listener.local_addr().expect("an address"))
                    .expect("the test waits");
                let shutdown = async {
                    let _ = stop_rx.await;
                };
                server::run(
                    listener,
                    match now {
                        Some(now) => AppState::with_limits(pool, limits).at(now),
                        None => AppState::with_limits(pool, limits),
                    },
                    None,
                    shutdown,
                )
                .await
                .expect("the server runs");
            });
        });
        let address = ready_rx.recv().expect("the server starts");
        TestServer {
            address,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
