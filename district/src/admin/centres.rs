//! The centres the district serves: added by district staff, each with the
//! GB/T 2260 code of its district.

use deadpool_postgres::Pool;
use serde_json::{json, Value};

use super::error::{refuse, AdminError};

pub async fn centre_add(
    pool: &Pool,
    code: &str,
    name: &str,
    district: &str,
    community: &str,
) -> Result<Value, AdminError> {
    if code.is_empty()
        || code.len() > 40
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(refuse(
            "code",
            "invalid_code",
            format!("中心编号“{code}”只能含字母、数字和“-”，最多40个字符"),
            format!("centre code \"{code}\" may hold only letters, digits and '-', at most 40"),
        ));
    }
    linli_core::outbox::check_text("name", name, linli_core::outbox::TextKind::Line(100), true)?;
    if name.trim().is_empty() || name.chars().count() > 100 {
        return Err(refuse(
            "name",
            "invalid_name",
            "中心名称须为1至100个字".into(),
            "the centre name must be 1 to 100 characters".into(),
        ));
    }
    if district.len() != 6 || !district.chars().all(|c| c.is_ascii_digit()) {
        return Err(refuse(
            "district",
            "invalid_district",
            format!("区划代码“{district}”应为6位数字（GB/T 2260，如440306）"),
            format!("district \"{district}\" must be a 6-digit GB/T 2260 code such as 440306"),
        ));
    }
    let client = pool.get().await?;
    let inserted = client
        .execute(
            "INSERT INTO centres (code, name, district_code, community_code) VALUES ($1, $2, $3, $4)
             ON CONFLICT (code) DO NOTHING",
            &[&code, &name.trim(), &district, &community],
        )
        .await?;
    if inserted == 0 {
        return Err(refuse(
            "code",
            "exists",
            format!("中心“{code}”已存在"),
            format!("centre \"{code}\" already exists"),
        ));
    }
    Ok(json!({"centre": code, "name": name.trim(), "district": district}))
}

pub(crate) async fn centre_exists(
    client: &deadpool_postgres::Client,
    code: &str,
) -> Result<(), AdminError> {
    if client
        .query_opt("SELECT 1 FROM centres WHERE code = $1", &[&code])
        .await?
        .is_none()
    {
        return Err(refuse(
            "centre",
            "not_found",
            format!("没有中心“{code}”，请先用 centre add 添加"),
            format!("there is no centre \"{code}\"; add it with `centre add` first"),
        ));
    }
    Ok(())
}
