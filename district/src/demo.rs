//! `linli-district admin demo`: the kiosk's demo centre (`linli demo`), seen from the
//! district — the centre, its programmes, the calendar, the standard business
//! categories, and its households and residents in the registry and on the changes
//! feed. Both sides generate it from `linli_core::demo`, so a demo kiosk enrolled
//! here finds the same households, ID numbers and programmes it already has.
//!
//! Only what the district is authoritative for is seeded: sign-ups, attendance and
//! shifts happen on devices and reach the district through their outboxes.
//!
//! Seeding is by content, in one transaction: a household or programme the district
//! already has is left as it is (a second run on another day would otherwise add
//! people with other birth dates to the same households), and the calendar and
//! categories are published only where the district has none, so a demo never
//! replaces what district staff published. A run that adds nothing reports
//! `already_seeded`.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDateTime;
use deadpool_postgres::Pool;
use linli_core::demo::{self, DemoPerson};
use linli_core::programme::Programme;
use linli_core::sync::ChangeBody;
use serde_json::{json, Value};

use crate::admin::AdminError;
use crate::{clock, db, grants};

/// Serialises demo runs: two at once would both find the centre empty.
const DEMO_LOCK: i64 = 76_737_877;

pub async fn seed(pool: &Pool) -> Result<Value, AdminError> {
    seed_at(pool, clock::now_local()).await
}

/// Seeds the demo centre as it is on `now`'s date (its people's ages and the
/// programmes' terms are relative to that day, as in the kiosk's demo).
pub async fn seed_at(pool: &Pool, now: NaiveDateTime) -> Result<Value, AdminError> {
    let today = now.date();
    let programmes = demo::programmes(today);
    for programme in &programmes {
        programme.validate().map_err(|errors| {
            AdminError::Refused(
                errors
                    .into_iter()
                    .next()
                    .expect("validation gives a reason"),
            )
        })?;
    }
    let calendar = demo::demo_calendar(today);
    calendar.validate()?;
    let categories = linli_core::business::standard_categories();
    let people = demo::demo_people(today);

    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&DEMO_LOCK])
        .await?;

    let centre_added = tx
        .execute(
            "INSERT INTO centres (code, name, district_code, community_code) VALUES ($1, $2, $3, $4)
             ON CONFLICT (code) DO NOTHING",
            &[
                &demo::CENTRE_CODE,
                &demo::CENTRE_NAME,
                &demo::DISTRICT_CODE,
                &demo::COMMUNITY_CODE,
            ],
        )
        .await?
        == 1;

    let mut programmes_added = Vec::new();
    for programme in &programmes {
        if publish_programme(&tx, programme).await? {
            programmes_added.push(programme.code.clone());
        }
    }
    grants::lock_programmes(&tx, demo::CENTRE_CODE, &programmes_added).await?;
    for code in &programmes_added {
        grants::allocate(&tx, demo::CENTRE_CODE, code, now, None).await?;
    }

    let calendar_added = if nothing_published(&tx, "calendar").await? {
        insert_published(&tx, "calendar", "calendar", &calendar).await?;
        db::add_change(&tx, None, None, &ChangeBody::CalendarPublished { calendar }).await?;
        true
    } else {
        false
    };
    let categories_added = if nothing_published(&tx, "categories").await? {
        insert_published(&tx, "categories", "categories", &categories).await?;
        db::add_change(
            &tx,
            None,
            None,
            &ChangeBody::CategoriesPublished { categories },
        )
        .await?;
        true
    } else {
        false
    };

    let (households_added, residents_added) = register_people(&tx, &people, now).await?;
    tx.commit().await?;

    let added = centre_added
        || !programmes_added.is_empty()
        || calendar_added
        || categories_added
        || households_added > 0;
    let summary = summary(pool).await?;
    Ok(json!({
        "already_seeded": !added,
        "centre": demo::CENTRE_CODE,
        "centre_name": demo::CENTRE_NAME,
        "added": {
            "centre": centre_added,
            "programmes": programmes_added,
            "calendar": calendar_added,
            "categories": categories_added,
            "households": households_added,
            "residents": residents_added,
        },
        "summary": summary,
    }))
}

/// Publishes one demo programme unless the centre already has one with its code.
/// Mirrors `admin::publish_programme`, inside the demo's transaction.
async fn publish_programme(
    tx: &tokio_postgres::Transaction<'_>,
    programme: &Programme,
) -> Result<bool, AdminError> {
    let body = serde_json::to_value(programme).expect("programmes serialise");
    let inserted = tx
        .execute(
            "INSERT INTO programmes (centre_code, code, capacity, offer_hours, body) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (centre_code, code) DO NOTHING",
            &[
                &demo::CENTRE_CODE,
                &programme.code,
                &(programme.capacity as i32),
                &(programme.offer_hours as i32),
                &body,
            ],
        )
        .await?;
    if inserted == 0 {
        return Ok(false);
    }
    crate::admin::publish_versioned(
        tx,
        "rules",
        &programme.rules.id,
        programme.rules.version,
        &programme.rules,
    )
    .await?;
    crate::admin::publish_versioned(
        tx,
        "policy",
        &programme.policy.id,
        programme.policy.version,
        &programme.policy,
    )
    .await?;
    db::add_change(
        tx,
        Some(demo::CENTRE_CODE),
        None,
        &ChangeBody::ProgrammePublished {
            programme: Box::new(programme.clone()),
        },
    )
    .await?;
    Ok(true)
}

async fn nothing_published(
    tx: &tokio_postgres::Transaction<'_>,
    kind: &str,
) -> Result<bool, AdminError> {
    Ok(tx
        .query_opt("SELECT 1 FROM published WHERE kind = $1 LIMIT 1", &[&kind])
        .await?
        .is_none())
}

async fn insert_published<T: serde::Serialize>(
    tx: &tokio_postgres::Transaction<'_>,
    kind: &str,
    id: &str,
    doc: &T,
) -> Result<(), AdminError> {
    let body = serde_json::to_value(doc).expect("documents serialise");
    tx.execute(
        "INSERT INTO published (kind, id, version, body) VALUES ($1, $2, 1, $3)",
        &[&kind, &id, &body],
    )
    .await?;
    Ok(())
}

/// Registers the households the district does not know yet, with their members, and
/// puts each on the feed of the demo centre's devices. Returns (households, residents) added.
async fn register_people(
    tx: &tokio_postgres::Transaction<'_>,
    people: &[DemoPerson],
    now: NaiveDateTime,
) -> Result<(usize, usize), AdminError> {
    let mut households: BTreeMap<&str, Vec<&DemoPerson>> = BTreeMap::new();
    for person in people {
        households
            .entry(&person.household_code)
            .or_default()
            .push(person);
    }
    let codes: Vec<&str> = households.keys().copied().collect();
    let known: HashSet<String> = tx
        .query(
            "SELECT code FROM households WHERE centre_code = $1 AND code = ANY($2)",
            &[&demo::CENTRE_CODE, &codes],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let insert_household = tx
        .prepare(
            "INSERT INTO households (code, address, community_code, centre_code, registered_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .await?;
    // A person already registered elsewhere in the district keeps that registration.
    let insert_resident = tx
        .prepare(
            "INSERT INTO residents (id_number, household_code, name, phone, tags, centre_code, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id_number) DO NOTHING",
        )
        .await?;
    let (mut added_households, mut added_residents) = (0, 0);
    for (code, members) in households {
        if known.contains(code) {
            continue;
        }
        tx.execute(
            &insert_household,
            &[
                &code,
                &members[0].address,
                &demo::COMMUNITY_CODE,
                &demo::CENTRE_CODE,
                &now,
            ],
        )
        .await?;
        for person in members {
            let phone = person.phone.as_ref().map(|p| p.as_str().to_string());
            let tags: Vec<String> = person.tags.iter().map(|t| t.as_str().to_string()).collect();
            added_residents += tx
                .execute(
                    &insert_resident,
                    &[
                        &person.id_number.as_str(),
                        &code,
                        &person.name,
                        &phone,
                        &tags,
                        &demo::CENTRE_CODE,
                        &now,
                    ],
                )
                .await? as usize;
        }
        crate::registry::publish_household(tx, demo::CENTRE_CODE, code).await?;
        added_households += 1;
    }
    Ok((added_households, added_residents))
}

async fn summary(pool: &Pool) -> Result<Value, AdminError> {
    let client = pool.get().await?;
    let row = client
        .query_one(
            "SELECT (SELECT count(*) FROM households WHERE centre_code = $1),
                    (SELECT count(*) FROM residents r JOIN households h
                      ON h.centre_code = r.centre_code AND h.code = r.household_code
                      WHERE h.centre_code = $1),
                    (SELECT count(*) FROM programmes WHERE centre_code = $1)",
            &[&demo::CENTRE_CODE],
        )
        .await?;
    Ok(json!({
        "households": row.get::<_, i64>(0),
        "residents": row.get::<_, i64>(1),
        "programmes": row.get::<_, i64>(2),
    }))
}
