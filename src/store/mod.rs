//! The kiosk's durable store: one SQLite file in WAL mode.
//!
//! Every use-case runs inside [`Store::write`], one `BEGIN IMMEDIATE` transaction that
//! writes the change, its outbox event (invariant 4) and its audit record
//! (invariant 7) together, so none of the three can exist without the others.
//! `synchronous = FULL` makes each commit reach the disk before `write` returns,
//! which is what lets a receipt be printed right after (invariant 1); the figures
//! behind that choice are in docs/benchmarks.md.

pub mod actor;
pub mod data_kind;
pub mod migrations;
pub mod worker;

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDateTime;
use linli_core::enrolment::Roster;
use linli_core::outbox::{EventPayload, OutboxEvent};
use linli_core::receipt::IssuedSlip;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::clock;

pub use actor::Actor;

/// A use-case's result with the slips it issued, committed together.
#[derive(Debug, Clone)]
pub struct Issued<T> {
    pub outcome: T,
    pub slips: Vec<IssuedSlip>,
}

use crate::error::{AppError, StoreError};

/// The file name of the database inside the data directory.
pub const DATABASE_FILE: &str = "linli.sqlite";

/// The centre and device this database belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub device_id: String,
    pub centre_code: String,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    device: DeviceInfo,
    /// Rosters as this connection last committed them, by programme code. Loading a
    /// roster means reading every active enrolment of a programme, which costs more
    /// than the sign-up's durable commit; keeping it lets a sign-up read only the
    /// applicant. It is only ever what this connection committed, and is dropped
    /// whenever another connection (a CLI run, a sync) has written in between.
    rosters: HashMap<String, Roster>,
    data_version: i64,
    /// Read models a use-case keeps in memory beside this connection (the desk's
    /// search index), by type, so the store holds them without knowing what they are.
    /// Each one decides itself when it no longer matches the database.
    memos: HashMap<TypeId, Box<dyn Any + Send>>,
    /// Commits since the write-ahead log was last copied into the database file.
    commits_since_checkpoint: u32,
}

/// Past this many commits without an idle moment, a write checkpoints after its
/// commit, so the write-ahead log cannot grow without bound in a busy batch job.
const CHECKPOINT_SAFETY_NET: u32 = 1_000;

/// One use-case's transaction: the change, plus the outbox events and audit records
/// it will commit with.
pub struct Tx<'a> {
    pub tx: rusqlite::Transaction<'a>,
    pub now: NaiveDateTime,
    pub actor: Actor,
    device: DeviceInfo,
    /// Each event and audit record keeps the time and actor of the moment it was
    /// queued: a use-case normally has one of each, but the demo seed moves `now`
    /// through weeks of made-up activity inside its single transaction.
    events: Vec<(EventPayload, NaiveDateTime)>,
    audits: Vec<PendingAudit>,
    savepoints: u32,
    rosters: HashMap<String, Roster>,
    /// Rosters taken out of the cache in this transaction: if it rolls back they are
    /// not put back, because their in-memory state may hold the undone changes.
    rosters_taken: Vec<String>,
    /// Slips this transaction issued, for the interface to print and wait on.
    pub issued: Vec<IssuedSlip>,
}

struct PendingAudit {
    at: NaiveDateTime,
    actor: Actor,
    action: String,
    subject: String,
    detail: serde_json::Value,
}

impl<'a> std::ops::Deref for Tx<'a> {
    type Target = rusqlite::Transaction<'a>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl Tx<'_> {
    /// Queues an event for the district; it is written with this transaction.
    pub fn emit(&mut self, payload: EventPayload) {
        self.events.push((payload, self.now));
    }

    /// Queues an audit record naming what was done to whom; `subject` must already
    /// be masked if it is personal data, because the audit log is read by staff.
    pub fn audit(&mut self, action: &str, subject: &str, detail: serde_json::Value) {
        self.audits.push(PendingAudit {
            at: self.now,
            actor: self.actor.clone(),
            action: action.to_string(),
            subject: subject.to_string(),
            detail,
        });
    }

    pub fn device(&self) -> &DeviceInfo {
        &self.device
    }

    /// The signed-in staff member, if they may do `permission` (invariant 7): every
    /// staff use-case asks this itself.
    pub fn authorise(
        &self,
        permission: linli_core::staff::Permission,
    ) -> Result<linli_core::staff::StaffMember, AppError> {
        self.actor.authorise(permission).cloned()
    }

    /// The centre this transaction's events name, once a use-case (the demo seed, an
    /// enrolment) has written it into the settings.
    pub fn set_centre_code(&mut self, centre_code: &str) {
        self.device.centre_code = centre_code.to_string();
    }

    /// Runs `f` so that, if it fails, everything it wrote, queued or issued is undone
    /// while the rest of the transaction goes on (an SQL savepoint): for a batch in
    /// which one refusal is expected and must leave nothing behind.
    pub fn attempt<T>(
        &mut self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        self.savepoints += 1;
        let name = format!("attempt_{}", self.savepoints);
        let (events, audits, issued) = (self.events.len(), self.audits.len(), self.issued.len());
        self.tx.execute_batch(&format!("SAVEPOINT {name}"))?;
        match f(self) {
            Ok(out) => {
                self.tx.execute_batch(&format!("RELEASE {name}"))?;
                Ok(out)
            }
            Err(error) => {
                self.tx
                    .execute_batch(&format!("ROLLBACK TO {name}; RELEASE {name}"))?;
                self.events.truncate(events);
                self.audits.truncate(audits);
                self.issued.truncate(issued);
                // A roster changed in memory by the failed attempt may not match the
                // database any more: load them afresh.
                self.rosters.clear();
                Err(error)
            }
        }
    }

    /// The committed roster of a programme, if this connection holds it.
    pub fn take_cached_roster(&mut self, programme_code: &str) -> Option<Roster> {
        self.rosters_taken.push(programme_code.to_string());
        self.rosters.remove(programme_code)
    }

    /// Keeps a roster whose changes this transaction has written; it becomes the
    /// cached roster once the transaction commits.
    pub fn keep_roster(&mut self, roster: Roster) {
        self.rosters.insert(roster.programme_code.clone(), roster);
    }

    fn flush(&mut self) -> Result<(), rusqlite::Error> {
        for (payload, occurred_at) in self.events.drain(..) {
            let at = clock::to_db(occurred_at);
            let event = OutboxEvent::new(
                uuid::Uuid::now_v7().to_string(),
                self.device.device_id.clone(),
                self.device.centre_code.clone(),
                occurred_at,
                payload,
            );
            let body = serde_json::to_string(&event).expect("outbox events serialise");
            // Cached statements: an import writes one event per resident, and parsing
            // the same SQL each time showed up as a tenth of its time.
            self.tx
                .prepare_cached(
                    "INSERT INTO outbox (event_id, kind, body, created_at) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute((&event.event_id, event.kind(), &body, &at))?;
        }
        for audit in self.audits.drain(..) {
            self.tx.prepare_cached(
                "INSERT INTO audit_log (at, device_id, actor, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute((
                clock::to_db(audit.at),
                &self.device.device_id,
                audit.actor.name(),
                &audit.action,
                &audit.subject,
                audit.detail.to_string(),
            ))?;
        }
        Ok(())
    }
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir`, migrating it forward.
    pub fn open_in(data_dir: &Path) -> Result<Store, StoreError> {
        ensure_writable_dir(data_dir)?;
        tighten_existing(data_dir);
        Store::open(&data_dir.join(DATABASE_FILE))
    }

    pub fn open(path: &Path) -> Result<Store, StoreError> {
        create_private_file(path)?;
        let mut conn = open_connection(path)?;
        migrate(&mut conn, path)?;
        let device = ensure_device(&conn)?;
        let data_version = data_version(&conn)?;
        // Decided here because this is where the kind of data directory is first known.
        data_kind::settle_clock(&conn, path.parent().unwrap_or(Path::new(".")))?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            device,
            rosters: HashMap::new(),
            data_version,
            memos: HashMap::new(),
            commits_since_checkpoint: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The data directory the database lives in (credential, spool, device file).
    pub fn data_dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    pub fn data_kind(&self) -> Result<data_kind::DataKind, StoreError> {
        Ok(data_kind::data_kind(&self.conn)?)
    }

    pub fn device(&self) -> &DeviceInfo {
        &self.device
    }

    /// Read access. Reads never need the write lock: WAL lets them run beside a writer.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The connection together with a read model kept beside it (made with `Default`
    /// the first time), so a use-case can check and refresh its memory against the
    /// database in one borrow.
    pub fn memo<T: Any + Send + Default>(&mut self) -> (&Connection, &mut T) {
        let memo = self
            .memos
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()));
        let memo = memo
            .downcast_mut::<T>()
            .expect("a memo is stored under its own type");
        (&self.conn, memo)
    }

    /// `write`, also returning the slips the use-case issued (committed with it): the
    /// one way a use-case's slips reach whoever prints them and tells the person.
    pub fn write_issuing<T>(
        &mut self,
        actor: &Actor,
        now: NaiveDateTime,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, AppError>,
    ) -> Result<Issued<T>, AppError> {
        self.write(actor, now, |tx| {
            let outcome = f(tx)?;
            Ok(Issued {
                outcome,
                slips: std::mem::take(&mut tx.issued),
            })
        })
    }

    /// Runs one use-case as one durable transaction. On `Err` nothing is written.
    pub fn write<T>(
        &mut self,
        actor: &Actor,
        now: NaiveDateTime,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let out = self
            .write_once(actor, now, f)
            .map_err(|error| match error {
                AppError::Store(StoreError::Sqlite(e)) => {
                    AppError::Store(StoreError::from_write(&self.path, e))
                }
                other => other,
            })?;
        self.commits_since_checkpoint += 1;
        if self.commits_since_checkpoint >= CHECKPOINT_SAFETY_NET {
            self.checkpoint()?;
        }
        Ok(out)
    }

    fn write_once<T>(
        &mut self,
        actor: &Actor,
        now: NaiveDateTime,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Inside the write lock, so nobody can commit between this check and our work.
        let version = data_version(&tx)?;
        if version != self.data_version {
            self.rosters.clear();
            self.data_version = version;
        }
        let mut work = Tx {
            tx,
            now,
            actor: actor.clone(),
            device: self.device.clone(),
            events: Vec::new(),
            audits: Vec::new(),
            savepoints: 0,
            rosters: std::mem::take(&mut self.rosters),
            rosters_taken: Vec::new(),
            issued: Vec::new(),
        };
        let result = f(&mut work).and_then(|out| {
            work.flush()?;
            Ok(out)
        });
        let Tx {
            tx,
            mut rosters,
            rosters_taken,
            ..
        } = work;
        let result = result.and_then(|out| {
            tx.commit()?;
            Ok(out)
        });
        if result.is_err() {
            for code in &rosters_taken {
                rosters.remove(code);
            }
        }
        self.rosters = rosters;
        result
    }

    /// Copies the write-ahead log into the database file. SQLite would otherwise do
    /// this inside whichever commit crosses 1,000 log pages, making that one person's
    /// sign-up several times slower; the store thread calls this when it is idle
    /// instead (`worker.rs`). Passive: it never waits for readers.
    pub fn checkpoint(&mut self) -> Result<(), StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        self.commits_since_checkpoint = 0;
        Ok(())
    }

    /// Commits not yet checkpointed.
    pub fn commits_since_checkpoint(&self) -> u32 {
        self.commits_since_checkpoint
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Reloads the cached device identity after the centre was configured.
    pub fn refresh_device(&mut self) -> Result<(), StoreError> {
        self.device = ensure_device(&self.conn)?;
        Ok(())
    }
}

pub fn set_setting(conn: &Connection, key: &str, value: &str) -> Result<(), rusqlite::Error> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )?;
    Ok(())
}

/// Changes whenever another connection commits to the database (SQLite's own counter).
fn data_version(conn: &Connection) -> Result<i64, rusqlite::Error> {
    conn.query_row("PRAGMA data_version", [], |r| r.get(0))
}

/// The schema version stored in a database file.
pub fn schema_version(conn: &Connection) -> Result<u32, rusqlite::Error> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

fn ensure_writable_dir(dir: &Path) -> Result<(), StoreError> {
    let not_writable = |e: std::io::Error| StoreError::NotWritable {
        path: dir.to_path_buf(),
        detail: e.to_string(),
    };
    create_private_dir(dir).map_err(not_writable)?;
    // SQLite in WAL mode must create -wal and -shm files beside the database, so a
    // directory we can read but not write would fail later with an obscure message.
    // One probe per process: two commands starting at once (two uploaders, a sync and
    // a sign-up) must not remove each other's and take that for an unwritable directory.
    let probe = dir.join(format!(".linli-write-probe-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(not_writable)?;
    match std::fs::remove_file(&probe) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(not_writable(e)),
        _ => {}
    }
    Ok(())
}

/// Creates `dir` (and its parents) readable by the kiosk's user only, whatever the
/// umask: it holds residents' personal data. An existing directory is left as it is,
/// since it may be one the operator chose and shares with other things.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// Files an older Linli (or a copy made by hand) left readable by others: the
/// database, its journals, the credential and the spool are made the kiosk user's
/// alone. The directory itself is left as it is: it may be one the operator chose.
fn tighten_existing(data_dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let private = |path: &Path, mode: u32| {
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
            }
        }
    };
    for name in [
        DATABASE_FILE.to_string(),
        format!("{DATABASE_FILE}-wal"),
        format!("{DATABASE_FILE}-shm"),
        crate::data_dir::CREDENTIAL_FILE.to_string(),
    ] {
        private(&data_dir.join(name), 0o600);
    }
    let spool = data_dir.join("spool");
    let spool_open = std::fs::metadata(&spool)
        .map(|meta| meta.is_dir() && meta.permissions().mode() & 0o077 != 0)
        .unwrap_or(false);
    // Once: a spool made private stays so (the kiosk's umask), so its files are not
    // walked at every start.
    if spool_open {
        private(&spool, 0o700);
        if let Ok(entries) = std::fs::read_dir(&spool) {
            for entry in entries.flatten() {
                private(&entry.path(), 0o600);
            }
        }
    }
}

/// Creates the database file 0600 before SQLite opens it, so that it, and the -wal
/// and -shm files SQLite gives the same mode, are the kiosk user's alone whatever the
/// umask. An existing file keeps its mode.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if path.exists() {
        return Ok(());
    }
    let not_writable = |e: std::io::Error| StoreError::NotWritable {
        path: path.to_path_buf(),
        detail: e.to_string(),
    };
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(not_writable),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(not_writable(e)),
    }
}

/// Opens a connection with the settings every Linli connection uses.
pub fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let damaged = |e: rusqlite::Error| classify(path, e);
    let conn = Connection::open(path).map_err(damaged)?;
    conn.busy_timeout(Duration::from_secs(5)).map_err(damaged)?;
    // Every use-case's statements stay prepared; the default of 16 is fewer than a
    // sign-up and its bookkeeping use.
    conn.set_prepared_statement_cache_capacity(64);
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(damaged)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Damaged {
            path: path.to_path_buf(),
            detail: format!("could not switch to WAL (journal mode is {mode})"),
        });
    }
    // 32 MB of page cache: an import of 100,000 residents inserts into indexes in
    // random key order, and with SQLite's default 2 MB it spent its time re-reading
    // pages (docs/benchmarks.md). The kiosk's memory budget is 120 MB.
    conn.execute_batch(
        "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -32000;",
    )
    .map_err(damaged)?;
    Ok(conn)
}

fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    if crate::disk::is_full(path) {
        return StoreError::from_write(path, e);
    }
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => StoreError::Damaged {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        Some(ErrorCode::ReadOnly)
        | Some(ErrorCode::CannotOpen)
        | Some(ErrorCode::PermissionDenied) => StoreError::NotWritable {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        _ => StoreError::Sqlite(e),
    }
}

/// Brings the schema to [`migrations::LATEST`], one transaction per step.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    migrate_to(conn, path, migrations::LATEST)
}

/// Brings the schema to `target`; tests use it to build databases of older versions.
pub fn migrate_to(conn: &mut Connection, path: &Path, target: u32) -> Result<(), StoreError> {
    let found = schema_version(conn).map_err(|e| classify(path, e))?;
    if found > migrations::LATEST {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found,
            supported: migrations::LATEST,
        });
    }
    for version in found..target {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(migrations::MIGRATIONS[version as usize])?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// Every device gets a stable id the first time its database is opened; the
/// district enrols it under that id.
fn ensure_device(conn: &Connection) -> Result<DeviceInfo, StoreError> {
    let get = |key: &str| -> Result<Option<String>, rusqlite::Error> {
        conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()
    };
    let device_id = match get("device_id")? {
        Some(id) => id,
        None => {
            let id = uuid::Uuid::now_v7().to_string();
            set_setting(conn, "device_id", &id)?;
            id
        }
    };
    let centre_code = get("centre_code")?.unwrap_or_default();
    Ok(DeviceInfo {
        device_id,
        centre_code,
    })
}
