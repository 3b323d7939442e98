//! Why something did not happen. A refusal (`Refused`) is the person's: which field,
//! why, in both languages, and nothing was written. A `StoreError` is the device's: the
//! data directory cannot be used (unwritable, damaged, from a newer Linli, a full disk).
//! Every layer above the store returns `AppError`, one of the two.

use std::path::{Path, PathBuf};

use linli_core::Text;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the database {path} has schema version {found}, newer than this Linli understands ({supported}); \
         install the newer Linli that wrote it: an older one must not change it"
    )]
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("the data directory {path} is not writable ({detail}); give the kiosk's user write access or choose another with --data-dir")]
    NotWritable { path: PathBuf, detail: String },
    #[error("{path} is not a readable Linli database ({detail}); run `linli doctor` and restore it from the district backup")]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "本机存储空间已满（剩余 {free_mb} MB），记录无法保存；已保存的记录都在，不会丢失。请清理空间，至少腾出 {needed_mb} MB 后再试，不要恢复或删除数据库 / \
         the disk holding {path} is full ({free_mb} MB left): nothing new can be saved, and nothing saved is lost. \
         Free at least {needed_mb} MB and try again; do not restore or delete the database"
    )]
    DiskFull {
        path: PathBuf,
        free_mb: u64,
        needed_mb: u64,
    },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored record Linli itself wrote no longer makes sense, or a slip it built
    /// cannot be printed: a bug to report, never the user's mistake.
    #[error("internal error: {0}")]
    Internal(String),
}

impl StoreError {
    /// The machine-readable name of the error, for JSON answers.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::NewerSchema { .. } => "newer_schema",
            StoreError::NotWritable { .. } => "not_writable",
            StoreError::Damaged { .. } => "damaged",
            StoreError::DiskFull { .. } => "disk_full",
            StoreError::Sqlite(_) => "database_error",
            StoreError::Internal(_) => "internal_error",
        }
    }

    /// An SQLite error while writing `path`, named as a full disk when that is what
    /// it is (SQLite itself often reports only "disk I/O error").
    pub fn from_write(path: &Path, error: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode;
        let io = matches!(
            error.sqlite_error_code(),
            Some(ErrorCode::DiskFull)
                | Some(ErrorCode::SystemIoFailure)
                | Some(ErrorCode::CannotOpen)
        );
        if io
            && (error.sqlite_error_code() == Some(ErrorCode::DiskFull)
                || crate::disk::is_full(path))
        {
            return StoreError::DiskFull {
                path: path.to_path_buf(),
                free_mb: crate::disk::free_bytes(path).map_or(0, crate::disk::megabytes),
                needed_mb: crate::disk::megabytes(crate::disk::ADVISED_FREE_BYTES),
            };
        }
        StoreError::Sqlite(error)
    }

    /// A file (an export, the credential) that could not be written at `path`: a full
    /// disk named as one, anything else as a directory Linli cannot write.
    pub fn from_file_write(path: &Path, error: std::io::Error) -> StoreError {
        if error.raw_os_error() == Some(libc::ENOSPC) || crate::disk::is_full(path) {
            return StoreError::DiskFull {
                path: path.to_path_buf(),
                free_mb: crate::disk::free_bytes(path).map_or(0, crate::disk::megabytes),
                needed_mb: crate::disk::megabytes(crate::disk::ADVISED_FREE_BYTES),
            };
        }
        StoreError::NotWritable {
            path: path.to_path_buf(),
            detail: error.to_string(),
        }
    }
}

/// Why a use-case did not happen: a short statement and every reason in words.
///
/// This is what a person sees on screen or what the CLI prints as
/// `{"error": ..., "reasons": [...]}`; nothing was written when it is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub code: String,
    pub error: Text,
    pub reasons: Vec<Text>,
}

impl Refused {
    pub fn new(code: &str, error: Text, reasons: Vec<Text>) -> Self {
        Refused {
            code: code.to_string(),
            error,
            reasons,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{}", .0.error)]
    Refused(Refused),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        AppError::Store(StoreError::Sqlite(e))
    }
}

impl From<Refused> for AppError {
    fn from(r: Refused) -> Self {
        AppError::Refused(r)
    }
}

impl From<linli_core::FieldError> for AppError {
    fn from(e: linli_core::FieldError) -> Self {
        let (zh, en) = field_words(&e.field);
        AppError::Refused(Refused::new(
            &e.code,
            Text::new(format!("{zh}有误"), format!("the {en} is not valid")),
            vec![e.message],
        ))
    }
}

/// The words a person knows for a field a validator names.
fn field_words(field: &str) -> (String, String) {
    let known = match field {
        "id_number" => Some(("身份证号", "ID number")),
        "phone" => Some(("手机号", "phone number")),
        "name" => Some(("姓名", "name")),
        "tags" => Some(("人群标签", "tags")),
        "address" => Some(("地址", "address")),
        "household_code" => Some(("户编号", "household code")),
        "pin" => Some(("密码", "PIN")),
        "month" => Some(("月份", "month")),
        "comment" => Some(("意见", "comment")),
        "activity" => Some(("活动", "activity")),
        "reason" => Some(("原因", "reason")),
        "note" => Some(("备注", "note")),
        "skills" => Some(("技能", "skills")),
        "relation" => Some(("关系", "relation")),
        "operator" => Some(("经营者", "operator")),
        "stall" => Some(("经营场所", "stall")),
        "employee" => Some(("从业人员", "employee")),
        "card" => Some(("卡号", "card number")),
        "collector" => Some(("接送人", "person collecting")),
        "attendance" => Some(("考勤", "attendance")),
        "outcome" => Some(("通话结果", "call outcome")),
        "amount_fen" => Some(("金额", "amount")),
        "reference" => Some(("付款单号", "payment reference")),
        "payment" => Some(("收款记录", "payment")),
        "date" => Some(("日期", "date")),
        "part" => Some(("请假时段", "part of the day")),
        "programme" => Some(("服务项目", "programme")),
        "allergies" => Some(("过敏原", "allergies")),
        "diet" => Some(("饮食要求", "diet")),
        "count" => Some(("用餐人数", "meal count")),
        _ => None,
    };
    match known {
        Some((zh, en)) => (zh.to_string(), en.to_string()),
        None => (format!("「{field}」"), field.replace('_', " ")),
    }
}

/// A record someone asked for that is not there, named in words.
pub fn not_found(what_zh: &str, what_en: &str, key: &str) -> AppError {
    Refused::new(
        "not_found",
        Text::new(format!("找不到{what_zh}"), format!("no such {what_en}")),
        vec![Text::new(
            format!("没有{what_zh}「{key}」的记录，请核对后重试或联系工作人员"),
            format!("there is no {what_en} \"{key}\"; check it or ask the staff"),
        )],
    )
    .into()
}
