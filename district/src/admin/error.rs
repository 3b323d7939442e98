//! How a command of district staff fails: refused, naming the field and changing
//! nothing, or because the database failed.

use linli_core::FieldError;

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Refused(FieldError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<tokio_postgres::Error> for AdminError {
    fn from(error: tokio_postgres::Error) -> Self {
        AdminError::Db(error.into())
    }
}

impl From<deadpool_postgres::PoolError> for AdminError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        AdminError::Db(error.into())
    }
}

impl From<FieldError> for AdminError {
    fn from(error: FieldError) -> Self {
        AdminError::Refused(error)
    }
}

pub(crate) fn refuse(field: &str, code: &str, zh: String, en: String) -> AdminError {
    AdminError::Refused(FieldError::new(field, code, zh, en))
}
