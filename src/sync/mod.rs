//! Sync with the district backend: enrolment, then rounds of push (the outbox, oldest
//! first) and pull (what the district publishes and decides).
//!
//! Offline first: every action is complete when it commits locally; sync only moves
//! committed rows. Invariant 4 holds because an event leaves the outbox (`sent_at`)
//! only after the district answered for it, and the district applies each event id
//! once, so a lost reply, a killed process or two uploaders at once can make an event
//! travel twice but never apply twice. A rejected event is parked with its reason and
//! the queue goes on.

pub mod address;
pub mod apply;
pub mod credential;
pub mod http;
pub mod lookup;
pub mod outbox;
pub mod thread;

use std::path::Path;

use chrono::NaiveDateTime;
use linli_core::Text;
use serde::Serialize;
use serde_json::json;

use crate::error::{AppError, Refused};
use crate::store::{set_setting, Actor, Store};
use credential::Credential;
use http::{District, HttpError};

/// Events per push: well inside the district's limits (`MAX_BATCH_EVENTS`, body
/// size), large enough that a week offline goes up in a few dozen round trips.
pub const PUSH_BATCH: usize = 500;

/// What one round did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct RoundReport {
    pub pushed: usize,
    pub pulled: usize,
    pub pending: i64,
    pub rejected: usize,
}

/// A device enrolled with its district.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enrolled {
    pub enrolled: bool,
    pub device_id: String,
    pub device_number: u32,
    pub centre: String,
    pub centre_name: String,
    pub district: String,
}

/// Sync as `doctor` and the staff screen see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    /// The credential file's presence is the answer, as everywhere else; a damaged
    /// one is enrolled all the same, and its problem is said.
    pub enrolled: bool,
    pub credential_problem: Option<String>,
    pub district: Option<String>,
    pub device_number: Option<u32>,
    pub pending: Option<i64>,
    /// Events the district refused, with its reasons.
    pub parked: Vec<outbox::ParkedEvent>,
    pub last_success: Option<String>,
    pub last_attempt: Option<String>,
    pub last_error: Option<String>,
}

pub(crate) fn not_enrolled() -> AppError {
    Refused::new(
        "not_enrolled",
        Text::new(
            "本终端尚未登记到区级后台",
            "this device is not enrolled with a district",
        ),
        vec![Text::new(
            "请先运行 linli enrol --district 地址 --code 登记码",
            "run `linli enrol --district URL --code CODE` first",
        )],
    )
    .into()
}

pub(crate) fn unreachable_district(error: &HttpError) -> AppError {
    Refused::new(
        "district_unreachable",
        Text::new("无法连接区级后台", "the district backend cannot be reached"),
        vec![Text::new(
            format!("{error}。本机数据已保存，网络恢复后会自动上传"),
            format!("{error}. Everything is saved here and goes up when the network is back"),
        )],
    )
    .into()
}

/// `linli enrol`: trades the one-time code for this device's credential.
///
/// The credential file is written (mode 0600) before the database learns the new
/// identity, so a crash in between leaves a credential the next enrol attempt can
/// see, never a database that believes it is enrolled without one.
pub fn enrol(
    store: &mut Store,
    data_dir: &Path,
    district_url: &str,
    code: &str,
    training: bool,
    now: NaiveDateTime,
) -> Result<Enrolled, AppError> {
    if let Some(existing) = credential::load(data_dir)? {
        return Err(Refused::new(
            "already_enrolled",
            Text::new("本终端已登记", "this device is already enrolled"),
            vec![Text::new(
                format!("已登记到{}（终端编号{}）；如需重新登记，请技术人员先移除登记文件", existing.district_url, existing.device_id),
                format!("enrolled with {} as device {}; a technician must remove the enrolment file before enrolling again", existing.district_url, existing.device_id),
            )],
        )
        .into());
    }
    address::check(district_url)?;
    if store.data_kind()?.is_practice() && !training {
        return Err(Refused::new(
            "practice_data",
            Text::new(
                "演示数据不能登记到区级后台",
                "demo data cannot be enrolled with a district",
            ),
            vec![Text::new(
                "本数据目录是演示或培训数据，登记后会把虚构的居民送进区级登记册。请为真实中心另选一个空数据目录；只有区里的培训环境可用 --training 登记演示数据",
                "this data directory holds demo or training data; enrolling it would put made-up residents in the district's registry. Use an empty data directory for a real centre; only a district's training set-up takes demo data, with --training",
            )],
        )
        .into());
    }
    let local_centre = store.setting("centre_code")?.unwrap_or_default();
    let district = District::new(district_url, None).map_err(|e| unreachable_district(&e))?;
    let local = (!local_centre.is_empty()).then_some(local_centre.clone());
    let answer = match district.enrol(code, local.clone()) {
        Ok(answer) => answer,
        Err(HttpError::Refused { status, body }) => {
            return Err(Refused::new(
                &body.code,
                Text::new("登记未成功", "enrolment failed"),
                vec![Text::new(
                    format!("{}（{status}）", body.error.zh),
                    format!("{} ({status})", body.error.en),
                )],
            )
            .into())
        }
        Err(error) => return Err(unreachable_district(&error)),
    };
    let credential = Credential {
        district_url: district_url.trim_end_matches('/').to_string(),
        device_id: answer.device_id.clone(),
        credential: answer.credential.clone(),
        device_number: answer.device_number,
        centre_code: answer.centre_code.clone(),
    };
    credential::save(data_dir, &credential)?;
    store.write(&Actor::cli(), now, |tx| {
        let previous_id = tx.device().device_id.clone();
        for (key, value) in [
            ("device_id", answer.device_id.as_str()),
            ("district_url", credential.district_url.as_str()),
            ("device_number", &answer.device_number.to_string()),
            ("centre_code", answer.centre_code.as_str()),
        ] {
            set_setting(tx, key, value)?;
        }
        // A fresh device takes its centre's details from the district.
        for (key, value) in [
            ("centre_name", answer.centre_name.as_str()),
            ("district_code", answer.district_code.as_str()),
            ("community_code", answer.community_code.as_str()),
        ] {
            if !value.is_empty() {
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO NOTHING",
                    (key, value),
                )?;
            }
        }
        // Events written before enrolment never left this device, so giving them the
        // identity the district knows it by changes no copy anyone else holds.
        let adopted = outbox::adopt_identity(tx, &answer.device_id, &answer.centre_code)?;
        tx.audit(
            "device_enrolled",
            &answer.device_id,
            json!({"district": credential.district_url, "previous_device_id": previous_id, "events_adopted": adopted}),
        );
        Ok(())
    })?;
    store.refresh_device()?;
    Ok(Enrolled {
        enrolled: true,
        device_id: answer.device_id,
        device_number: answer.device_number,
        centre: answer.centre_code,
        centre_name: answer.centre_name,
        district: credential.district_url,
    })
}

/// One round: push everything pending, then pull until the district has nothing more.
pub fn round(store: &mut Store, data_dir: &Path) -> Result<RoundReport, AppError> {
    let credential = credential::load(data_dir)?.ok_or_else(not_enrolled)?;
    address::check(&credential.district_url)?;
    let district = District::new(&credential.district_url, Some(&credential.credential))
        .map_err(|e| unreachable_district(&e))?;
    let result = round_recorded(store, &district);
    result.map_err(|e| match e {
        RoundError::Http(HttpError::Refused { status, body }) => Refused::new(
            "district_refused",
            Text::new(
                "区级后台拒绝了本终端的请求",
                "the district refused this device's request",
            ),
            vec![Text::new(
                format!("{}（{status}）。本机数据已保存", body.error.zh),
                format!("{} ({status}). Everything is saved here", body.error.en),
            )],
        )
        .into(),
        RoundError::Http(error) => unreachable_district(&error),
        RoundError::App(error) => error,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    #[error("{0}")]
    Http(#[from] HttpError),
    #[error("{0}")]
    App(#[from] AppError),
}

impl From<rusqlite::Error> for RoundError {
    fn from(error: rusqlite::Error) -> Self {
        RoundError::App(error.into())
    }
}

/// A round whose outcome is written to the sync status (last attempt, success or
/// error) whatever happened, so `doctor` and the kiosk show the truth.
pub fn round_recorded(store: &mut Store, district: &District) -> Result<RoundReport, RoundError> {
    let result = round_with(store, district);
    let now = crate::clock::now();
    let (success, error) = match &result {
        Ok(_) => (Some(crate::clock::to_db(now)), None),
        Err(error) => (None, Some(error.to_string())),
    };
    outbox::record_status(store, now, success.as_deref(), error.as_deref())?;
    result
}

pub fn round_with(store: &mut Store, district: &District) -> Result<RoundReport, RoundError> {
    let mut report = RoundReport::default();
    loop {
        let batch = outbox::pending_batch(store, PUSH_BATCH)?;
        if batch.is_empty() {
            break;
        }
        let answer = district.push(&batch)?;
        let (sent, parked) = outbox::record_results(store, &batch, &answer)?;
        report.pushed += sent;
        report.rejected += parked;
        if sent + parked == 0 {
            // The district answered for none of them: stop rather than spin.
            break;
        }
    }
    loop {
        let cursor = outbox::cursor(store)?;
        let page = district.pull(cursor)?;
        let more = page.more;
        report.pulled += apply::page(store, page)?;
        if !more {
            break;
        }
    }
    report.pending = outbox::pending_count(store.conn())?;
    Ok(report)
}

/// What `doctor` and the staff screen show about sync.
pub fn status(conn: &rusqlite::Connection, data_dir: &Path) -> SyncStatus {
    let loaded = credential::load(data_dir);
    let problem = loaded.as_ref().err().map(ToString::to_string);
    let enrolled = loaded.ok().flatten();
    let setting = |key: &str| -> Option<String> {
        conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .ok()
    };
    SyncStatus {
        enrolled: crate::data_dir::is_enrolled(data_dir),
        credential_problem: problem,
        district: enrolled.as_ref().map(|c| c.district_url.clone()),
        device_number: enrolled.as_ref().map(|c| c.device_number),
        pending: outbox::pending_count(conn).ok(),
        parked: outbox::parked(conn).unwrap_or_default(),
        last_success: setting("sync_last_success"),
        last_attempt: setting("sync_last_attempt"),
        last_error: setting("sync_last_error"),
    }
}
