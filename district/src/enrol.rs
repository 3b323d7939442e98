//! Enrolment (`POST /v1/enrol`): a device trades the one-time code district staff
//! gave it (`admin device add`) for its credential, beside `push` and `pull`, the
//! other two things a device does.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use linli_core::sync::{EnrolRequest, EnrolResponse};
use uuid::Uuid;

use crate::auth;
use crate::error::{ApiError, ValidJson};
use crate::limits::{Allowance, ClientAddress};
use crate::state::AppState;

/// Trades a one-time code for the device's credential. The code works once and only
/// before it expires; the credential is returned this once and stored only hashed.
pub async fn handler(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ValidJson(request): ValidJson<EnrolRequest>,
) -> Result<Json<EnrolResponse>, ApiError> {
    state.allow(Allowance::Enrol, address)?;
    let code = auth::normalise_code(&request.code);
    if !auth::well_formed_code(&request.code) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_code",
            "登记码应为12位字母和数字",
            "an enrolment code is 12 letters and digits",
        )
        .field("code"));
    }
    let credential = auth::new_secret(32);
    let client = state.pool.get().await?;
    let unknown = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unknown_code",
            "登记码无效、已使用或已过期，请向区级工作人员重新申请",
            "the enrolment code is wrong, already used or expired; ask district staff for a new one",
        )
        .field("code")
    };
    let centre: String = client
        .query_opt(
            "SELECT centre_code FROM devices
             WHERE enrol_code_hash = $1 AND enrol_code_expires > now() AND revoked_at IS NULL",
            &[&auth::hash(&code)],
        )
        .await?
        .ok_or_else(unknown)?
        .get(0);
    if let Some(local) = request.centre_code.as_deref().filter(|c| *c != centre) {
        // Checked before the code is used, so the device can be given the right one.
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "wrong_centre",
            format!("本终端保存的是中心“{local}”的数据，此登记码属于中心“{centre}”"),
            format!("this device holds the data of centre \"{local}\"; the code is for centre \"{centre}\""),
        )
        .field("code"));
    }
    let row = client
        .query_opt(
            "UPDATE devices d SET credential_hash = $2, enrolled_at = now(),
                 enrol_code_hash = NULL, enrol_code_expires = NULL
             FROM centres c
             WHERE d.enrol_code_hash = $1 AND d.enrol_code_expires > now()
               AND d.revoked_at IS NULL AND c.code = d.centre_code
             RETURNING d.id, d.device_number, c.code, c.name, c.district_code, c.community_code",
            &[&auth::hash(&code), &auth::hash(&credential)],
        )
        .await?
        .ok_or_else(unknown)?;
    let device_id: Uuid = row.get(0);
    let device_number: i32 = row.get(1);
    tracing::info!(%device_id, "device enrolled");
    Ok(Json(EnrolResponse {
        device_id: device_id.to_string(),
        credential,
        device_number: device_number as u32,
        centre_code: row.get(2),
        centre_name: row.get(3),
        district_code: row.get(4),
        community_code: row.get(5),
    }))
}
