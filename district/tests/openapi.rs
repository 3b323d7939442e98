//! district/openapi.json is what a device or any other client is built from, so it has
//! to say what the server really does: the routes the router has, the JSON it really
//! answers, and every event type the district reads. These tests hold the document to
//! a running server on a throwaway PostgreSQL database instead of trusting it.
//!
//! The schemas are checked by a small JSON Schema evaluator below rather than a crate:
//! it knows exactly the keywords the document uses and refuses any other, so a keyword
//! it would silently skip cannot make a check pass.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, NaiveDateTime};
use linli_core::outbox::{AttendanceEventKind, EventPayload, OutboxEvent, KNOWN_EVENT_TYPES};
use linli_core::sync::ChangeBody;
use linli_district::admin;
use linli_district::testing::{TestDb, TestServer};
use regex::Regex;
use serde_json::{json, Value};

use crate::common::{self, Device};

const DOCUMENT: &str = include_str!("../openapi.json");
/// The router is read from its source: axum cannot list the routes a `Router` has.
const SERVER_SOURCE: &str = include_str!("../src/server.rs");
const METHODS: [&str; 8] = [
    "get", "post", "put", "patch", "delete", "head", "options", "trace",
];

fn document() -> Value {
    serde_json::from_str(DOCUMENT).expect("district/openapi.json is JSON")
}

// ---------------------------------------------------------------------------------
// A JSON Schema evaluator for the keywords the document uses.

/// Keywords that describe and never constrain.
const ANNOTATIONS: &[&str] = &[
    "description",
    "examples",
    "default",
    "format",
    "discriminator",
    "title",
];
const ASSERTIONS: &[&str] = &[
    "$ref",
    "type",
    "const",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "propertyNames",
    "items",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "oneOf",
    "anyOf",
    "allOf",
    "not",
    "if",
    "then",
    "else",
];

struct Schemas<'a> {
    doc: &'a Value,
}

impl<'a> Schemas<'a> {
    fn resolve(&self, reference: &str) -> &'a Value {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{reference}: only references inside the document are used"));
        self.doc
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{reference} points at nothing in the document"))
    }

    fn named(&self, name: &str) -> &'a Value {
        self.resolve(&format!("#/components/schemas/{name}"))
    }

    /// Every way `value` breaks `schema`, each with where in the value it is.
    fn errors(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(schema, value, "$", &mut errors);
        errors
    }

    fn matches(&self, schema: &Value, value: &Value) -> bool {
        self.errors(schema, value).is_empty()
    }

    #[track_caller]
    fn assert_valid(&self, schema_name: &str, value: &Value) {
        let errors = self.errors(self.named(schema_name), value);
        assert!(
            errors.is_empty(),
            "the server's JSON does not match the document's {schema_name}:\n  {}\nvalue: {value}",
            errors.join("\n  ")
        );
    }

    fn check(&self, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        let schema = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => {
                errors.push(format!("{at}: nothing is allowed here"));
                return;
            }
            Value::Object(schema) => schema,
            other => panic!("{other} is not a schema"),
        };
        for (keyword, rule) in schema {
            match keyword.as_str() {
                "$ref" => self.check(
                    self.resolve(rule.as_str().expect("$ref is a string")),
                    value,
                    at,
                    errors,
                ),
                "type" => {
                    let types: Vec<&str> = match rule {
                        Value::String(one) => vec![one.as_str()],
                        Value::Array(many) => many
                            .iter()
                            .map(|t| t.as_str().expect("a type name"))
                            .collect(),
                        other => panic!("type {other}"),
                    };
                    if !types.iter().any(|t| has_type(value, t)) {
                        errors.push(format!("{at}: {value} is not {}", types.join(" or ")));
                    }
                }
                "const" if value != rule => errors.push(format!("{at}: {value} is not {rule}")),
                "enum" if !rule.as_array().expect("enum is a list").contains(value) => {
                    errors.push(format!("{at}: {value} is not one of {rule}"))
                }
                "properties" => {
                    if let Some(object) = value.as_object() {
                        for (name, property) in rule.as_object().expect("properties is an object") {
                            if let Some(field) = object.get(name) {
                                self.check(property, field, &format!("{at}.{name}"), errors);
                            }
                        }
                    }
                }
                "required" => {
                    if let Some(object) = value.as_object() {
                        for name in rule.as_array().expect("required is a list") {
                            let name = name.as_str().expect("a property name");
                            if !object.contains_key(name) {
                                errors
                                    .push(format!("{at}: the required field {name:?} is missing"));
                            }
                        }
                    }
                }
                "additionalProperties" => {
                    if let Some(object) = value.as_object() {
                        let listed = schema.get("properties").and_then(Value::as_object);
                        for (name, field) in object {
                            if listed.is_some_and(|listed| listed.contains_key(name)) {
                                continue;
                            }
                            match rule {
                                Value::Bool(false) => errors.push(format!(
                                    "{at}: the field {name:?} is not in the document"
                                )),
                                other => self.check(other, field, &format!("{at}.{name}"), errors),
                            }
                        }
                    }
                }
                "propertyNames" => {
                    if let Some(object) = value.as_object() {
                        for name in object.keys() {
                            self.check(
                                rule,
                                &Value::String(name.clone()),
                                &format!("{at}[key {name:?}]"),
                                errors,
                            );
                        }
                    }
                }
                "items" => {
                    if let Some(items) = value.as_array() {
                        for (index, item) in items.iter().enumerate() {
                            self.check(rule, item, &format!("{at}[{index}]"), errors);
                        }
                    }
                }
                "minItems" | "maxItems" => {
                    if let Some(items) = value.as_array() {
                        let bound = rule.as_u64().expect("a count") as usize;
                        let ok = if keyword == "minItems" {
                            items.len() >= bound
                        } else {
                            items.len() <= bound
                        };
                        if !ok {
                            errors.push(format!(
                                "{at}: {} items breaks {keyword} {bound}",
                                items.len()
                            ));
                        }
                    }
                }
                "minimum" | "maximum" => {
                    if let (Some(number), Some(bound)) = (value.as_f64(), rule.as_f64()) {
                        let ok = if keyword == "minimum" {
                            number >= bound
                        } else {
                            number <= bound
                        };
                        if !ok {
                            errors.push(format!("{at}: {value} breaks {keyword} {rule}"));
                        }
                    }
                }
                "minLength" | "maxLength" => {
                    if let Some(text) = value.as_str() {
                        let bound = rule.as_u64().expect("a length") as usize;
                        let length = text.chars().count();
                        let ok = if keyword == "minLength" {
                            length >= bound
                        } else {
                            length <= bound
                        };
                        if !ok {
                            errors.push(format!("{at}: {value} breaks {keyword} {bound}"));
                        }
                    }
                }
                "pattern" => {
                    if let Some(text) = value.as_str() {
                        let pattern = Regex::new(rule.as_str().expect("a pattern"))
                            .expect("the pattern compiles");
                        if !pattern.is_match(text) {
                            errors.push(format!("{at}: {value} does not match {rule}"));
                        }
                    }
                }
                "oneOf" | "anyOf" => {
                    let options = rule.as_array().expect("a list of schemas");
                    let matching = options
                        .iter()
                        .filter(|option| self.matches(option, value))
                        .count();
                    if keyword == "oneOf" && matching != 1 {
                        // The closest option's reasons say more than "matched 0".
                        let reasons = options
                            .iter()
                            .map(|option| self.errors(option, value))
                            .min_by_key(Vec::len)
                            .unwrap_or_default();
                        errors.push(format!(
                            "{at}: matches {matching} of the oneOf schemas, not exactly one ({})",
                            reasons.join("; ")
                        ));
                    } else if keyword == "anyOf" && matching == 0 {
                        errors.push(format!("{at}: matches none of the anyOf schemas"));
                    }
                }
                "allOf" => {
                    for part in rule.as_array().expect("a list of schemas") {
                        self.check(part, value, at, errors);
                    }
                }
                "not" if self.matches(rule, value) => {
                    errors.push(format!("{at}: {value} matches a `not`"))
                }
                "if" => {
                    let branch = if self.matches(rule, value) {
                        "then"
                    } else {
                        "else"
                    };
                    if let Some(branch) = schema.get(branch) {
                        self.check(branch, value, at, errors);
                    }
                }
                known if ASSERTIONS.contains(&known) || ANNOTATIONS.contains(&known) => {}
                unknown => {
                    panic!("{at}: the schema keyword {unknown:?} is not one this test evaluates")
                }
            }
        }
    }
}

fn has_type(value: &Value, name: &str) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        // JSON Schema's integer is a number with no fractional part: 1.0 is one.
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        "number" => value.is_number(),
        other => panic!("unknown JSON type {other}"),
    }
}

/// Walks a schema and everything inside it, refusing a keyword the evaluator does not
/// know: otherwise the document could grow a constraint no test ever checks.
fn lint_schema(schemas: &Schemas, schema: &Value, at: &str) {
    let Some(object) = schema.as_object() else {
        assert!(schema.is_boolean(), "{at}: {schema} is not a schema");
        return;
    };
    for (keyword, rule) in object {
        let here = format!("{at}/{keyword}");
        assert!(
            ASSERTIONS.contains(&keyword.as_str()) || ANNOTATIONS.contains(&keyword.as_str()),
            "{here}: the schema keyword {keyword:?} is not one this test evaluates"
        );
        match keyword.as_str() {
            "$ref" => {
                schemas.resolve(rule.as_str().expect("$ref is a string"));
            }
            "properties" => {
                for (name, property) in rule.as_object().expect("properties is an object") {
                    lint_schema(schemas, property, &format!("{here}/{name}"));
                }
            }
            "items" | "additionalProperties" | "propertyNames" | "not" | "if" | "then" | "else" => {
                lint_schema(schemas, rule, &here)
            }
            "oneOf" | "anyOf" | "allOf" => {
                for (index, part) in rule.as_array().expect("a list").iter().enumerate() {
                    lint_schema(schemas, part, &format!("{here}/{index}"));
                }
            }
            "examples" => {
                for example in rule.as_array().expect("examples is a list") {
                    let errors = schemas.errors(schema, example);
                    assert!(
                        errors.is_empty(),
                        "{at}: the example {example} breaks its own schema: {errors:?}"
                    );
                }
            }
            "discriminator" => {
                let property = rule["propertyName"]
                    .as_str()
                    .expect("a discriminator names a property");
                let mapping = rule["mapping"].as_object().expect("a discriminator maps");
                let options: BTreeSet<&str> = object["oneOf"]
                    .as_array()
                    .expect("a discriminator goes with oneOf")
                    .iter()
                    .map(|option| option["$ref"].as_str().expect("options are references"))
                    .collect();
                let mapped: BTreeSet<&str> = mapping
                    .values()
                    .map(|target| target.as_str().expect("a reference"))
                    .collect();
                assert_eq!(
                    options, mapped,
                    "{here}: the mapping and the oneOf list differ"
                );
                for (tag, target) in mapping {
                    let target = schemas.resolve(target.as_str().expect("a reference"));
                    assert_eq!(
                        target["properties"][property]["const"], *tag,
                        "{here}: {tag:?} maps to a schema whose {property} is not {tag:?}"
                    );
                    assert!(
                        target["required"]
                            .as_array()
                            .is_some_and(|r| r.contains(&json!(property))),
                        "{here}: {tag:?} maps to a schema that does not require {property}"
                    );
                }
            }
            _ => {}
        }
    }
}

/// (path, method) for every operation the document has.
fn documented_operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("the document has paths") {
        for (key, _) in item.as_object().expect("a path item") {
            assert!(
                METHODS.contains(&key.as_str()),
                "{path}: {key:?} is not an HTTP method"
            );
            operations.insert((path.clone(), key.clone()));
        }
    }
    operations
}

/// (path, method) for every `.route(…)` in server.rs.
fn router_operations() -> BTreeSet<(String, String)> {
    // Routes added any other way would escape this reading of the source.
    for other in [".nest(", ".merge(", ".route_service(", ".nest_service("] {
        assert!(
            !SERVER_SOURCE.contains(other),
            "server.rs uses {other}; teach this test to read those routes"
        );
    }
    let call =
        Regex::new(r#"(?:^|[^A-Za-z0-9_])(get|post|put|patch|delete|head|options|trace|any|on)\("#)
            .unwrap();
    let mut operations = BTreeSet::new();
    for (start, _) in SERVER_SOURCE.match_indices(".route(") {
        let rest = &SERVER_SOURCE[start + ".route(".len()..];
        let mut depth = 1;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(index, _)| index)
            .expect("a .route( call closes");
        let call_text = &rest[..end];
        let path = call_text
            .split('"')
            .nth(1)
            .unwrap_or_else(|| panic!("a route with a literal path: {call_text}"));
        let methods: Vec<String> = call
            .captures_iter(call_text)
            .map(|capture| capture[1].to_string())
            .collect();
        assert!(
            !methods.is_empty(),
            "no method found in .route({call_text})"
        );
        for method in methods {
            assert!(
                method != "any" && method != "on",
                "{path} takes `{method}`: name its methods so the document can list them"
            );
            operations.insert((path.to_string(), method));
        }
    }
    assert!(
        operations.len() >= 5,
        "server.rs was read wrongly: {operations:?}"
    );
    operations
}

// ---------------------------------------------------------------------------------
// Test data.

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

const ID_NUMBER: &str = "11010519491231002X";

/// One event of every type, in the order of `KNOWN_EVENT_TYPES`.
fn one_of_each(programme: &str) -> Vec<EventPayload> {
    vec![
        EventPayload::HouseholdRegistered {
            household_code: "H-0001".into(),
            address: "宝安区新安街道海滨社区1栋101".into(),
            community_code: "440306001001".into(),
        },
        EventPayload::ResidentRegistered {
            household_code: "H-0001".into(),
            id_number: ID_NUMBER.into(),
            name: "张三".into(),
            phone: Some("13800138000".into()),
            tags: vec!["elderly_60".into()],
        },
        EventPayload::EnrolmentChanged {
            enrolment_id: "E-1".into(),
            programme_code: programme.into(),
            resident_id_number: ID_NUMBER.into(),
            status: "waitlisted".into(),
            priority_sort_key: "0001-0-20260901T0800-0000000001".into(),
            offer_deadline: None,
            reason: None,
        },
        EventPayload::AttendanceRecorded {
            programme_code: programme.into(),
            session_date: NaiveDate::from_ymd_opt(2026, 9, 7).unwrap(),
            resident_id_number: ID_NUMBER.into(),
            kind: AttendanceEventKind::CheckOut,
            at: at("2026-09-07 18:05"),
            picked_up_by: Some("李四 (母亲)".into()),
            left_alone: false,
        },
        EventPayload::ShiftRecorded {
            shift_id: "S-1".into(),
            volunteer_id_number: ID_NUMBER.into(),
            activity: "长者探访".into(),
            clock_in: at("2026-09-07 09:00"),
            clock_out: Some(at("2026-09-07 11:00")),
            minutes: 120,
            status: "pending".into(),
        },
        EventPayload::ShiftReviewed {
            shift_id: "S-1".into(),
            status: "approved".into(),
            reviewer: "SW-01".into(),
            note: None,
            confirmed_clock_out: None,
            minutes: 120,
        },
        EventPayload::ShiftCorrected {
            correction_id: "C-1".into(),
            shift_id: "S-1".into(),
            volunteer_id_number: ID_NUMBER.into(),
            corrected_minutes: 90,
            reason: "签退时间登记错误".into(),
            by: "SW-01".into(),
        },
        EventPayload::FilingChanged {
            business_code: "B-1".into(),
            status: "filed".into(),
            filing_number: Some("备案-440306-2026-0001".into()),
            by: "WS-02".into(),
        },
        EventPayload::LedgerRecorded {
            business_code: "B-1".into(),
            month: "2026-10".into(),
            revenue_fen: 1_234_500,
            cost_fen: 1_300_000,
        },
        EventPayload::RatingSubmitted {
            rating_id: "R-1".into(),
            service_ref: format!("{programme}/2026-09-07"),
            programme_code: programme.into(),
            level: 2,
            reason_tags: vec!["waiting_time".into()],
        },
        EventPayload::FollowUpChanged {
            rating_id: "R-1".into(),
            status: "open".into(),
            due: NaiveDate::from_ymd_opt(2026, 9, 10).unwrap(),
            by: None,
            note: None,
        },
        EventPayload::SeatsReleased {
            programme_code: programme.into(),
            count: 0,
            released_total: 0,
        },
        EventPayload::VolunteerRegistered {
            volunteer_id_number: ID_NUMBER.into(),
            skills: vec!["tutoring".into()],
        },
        EventPayload::StaffChanged {
            code: "S004".into(),
            name: "王芳".into(),
            roles: vec!["front_desk".into()],
            pin_hash: linli_district::staff::hash_pin("246810"),
            must_change_pin: true,
            disabled: false,
            changed_by: "S003".into(),
        },
        EventPayload::PaymentRecorded {
            payment_id: "P-1".into(),
            programme_code: programme.into(),
            resident_id_number: ID_NUMBER.into(),
            period: "2026-09".into(),
            kind: "payment".into(),
            amount_fen: 15_000,
            method: "reference".into(),
            reference: Some("4200001234".into()),
            reason: None,
            refunds: None,
            staff: "S003".into(),
        },
        EventPayload::DayCareRecorded {
            programme_code: programme.into(),
            session_date: chrono::NaiveDate::from_ymd_opt(2026, 9, 7).unwrap(),
            resident_id_number: ID_NUMBER.into(),
            breakfast: true,
            lunch: true,
            transport: true,
            picked_up_at: Some(at("2026-09-07 08:05")),
            dropped_off_at: Some(at("2026-09-07 08:30")),
            absence_reason: None,
        },
        EventPayload::AbsenceReported {
            programme_code: programme.into(),
            resident_id_number: ID_NUMBER.into(),
            date: NaiveDate::from_ymd_opt(2026, 9, 8).unwrap(),
            part: "afternoon".into(),
            reason: "leave".into(),
            withdrawn: false,
        },
        EventPayload::PickupListChanged {
            authorisation: linli_core::pickup::PickupAuthorisation {
                child: ID_NUMBER.into(),
                adults: vec![linli_core::pickup::PickupAdult {
                    name: "王强".into(),
                    relation: "父亲".into(),
                    id_number: None,
                    card_code: None,
                    must_not_collect: true,
                    valid_from: Some(NaiveDate::from_ymd_opt(2026, 9, 1).unwrap()),
                    valid_until: None,
                }],
                may_leave_alone: false,
            },
        },
        EventPayload::MealCountRecorded {
            programme_code: programme.into(),
            date: NaiveDate::from_ymd_opt(2026, 9, 8).unwrap(),
            served: 21,
            expected: 19,
            above_attendance: true,
        },
        EventPayload::DayCareClosed {
            programme_code: programme.into(),
            session_date: NaiveDate::from_ymd_opt(2026, 9, 8).unwrap(),
            closed_by: "S001".into(),
            reason: Some("家属在车站接走".into()),
            open_transport: 1,
        },
        EventPayload::CardChanged {
            card: "88001234".into(),
            resident_id_number: ID_NUMBER.into(),
            revoked: true,
        },
        EventPayload::HouseholdsMerged {
            kept_household: "H0001".into(),
            removed_household: "D20261203-01".into(),
            people: vec![linli_core::outbox::MergedPerson {
                absorbed: "110105198001010016".into(),
                survivor: ID_NUMBER.into(),
            }],
        },
        EventPayload::HouseholdMovedAway {
            household_code: "H-0001".into(),
            moved_away_on: NaiveDate::from_ymd_opt(2026, 9, 8).unwrap(),
            reason: "搬到外区".into(),
        },
    ]
}

/// The `type` of a change. Written as a match without a catch-all so that a new kind
/// of change stops this test from compiling until the document and the data below
/// describe it.
fn change_type(change: &ChangeBody) -> &'static str {
    match change {
        ChangeBody::ProgrammePublished { .. } => "programme_published",
        ChangeBody::RulesPublished { .. } => "rules_published",
        ChangeBody::PolicyPublished { .. } => "policy_published",
        ChangeBody::CalendarPublished { .. } => "calendar_published",
        ChangeBody::CategoriesPublished { .. } => "categories_published",
        ChangeBody::RetentionPublished { .. } => "retention_published",
        ChangeBody::HouseholdsMerged { .. } => "households_merged",
        ChangeBody::HouseholdKnown(_) => "household_known",
        ChangeBody::OfferMade { .. } => "offer_made",
        ChangeBody::StaffAccount(_) => "staff_account",
        ChangeBody::PickupList { .. } => "pickup_list",
        ChangeBody::Card { .. } => "card",
    }
}

fn programme_json(code: &str) -> String {
    json!({
        "code": code,
        "name": {"zh": "四点半学校（2026秋）", "en": "After-school club (autumn 2026)"},
        "kind": "after_school",
        "schedule": {
            "weekdays": ["mon", "tue", "wed", "thu", "fri"],
            "start": "16:30:00", "end": "18:00:00",
            "first_day": "2026-09-01", "last_day": "2027-01-22",
            "school_days_only": true
        },
        "capacity": 30,
        "fee": {"amount_fen": 30000, "per": "term", "waivers": [{"tag": "low_income", "percent": 100}]},
        "status": "open",
        "offer_hours": 48,
        "rules": {
            "id": "R-ASC", "version": 1, "min_age": 6, "max_age": 12, "age_reference": "2026-09-01",
            "residency": "any", "required_tags": [], "excluded_tags": [], "guardian_required_under": null
        },
        "policy": {
            "id": "P-ASC", "version": 1, "credit_for_unplaced": true,
            "buckets": [
                {"name": {"zh": "低保家庭", "en": "Low-income households"}, "any_of_tags": ["low_income"]},
                {"name": {"zh": "其他申请人", "en": "Everyone else"}, "any_of_tags": []}
            ]
        }
    })
    .to_string()
}

/// A centre with one enrolled device; the enrolment answer is checked against the
/// document on the way.
async fn enrolled(db: &TestDb, server: &TestServer, schemas: &Schemas<'_>, centre: &str) -> Device {
    let (code, _) = common::add_device(db, centre, "kiosk-1");
    let request = json!({"code": code});
    schemas.assert_valid("EnrolRequest", &request);
    let (device, body) = common::device_from(common::enrol_with(server, &request).await).await;
    schemas.assert_valid("EnrolResponse", &body);
    device
}

/// Sends a request and returns its status and JSON body, checking the body against
/// the schema the document names for that operation and status.
async fn call(
    schemas: &Schemas<'_>,
    request: reqwest::RequestBuilder,
    path: &str,
    method: &str,
) -> (u16, Value) {
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = response.text().await.expect("a body");
    assert!(
        content_type.starts_with("application/json"),
        "{method} {path} answered {status} as {content_type:?}: {text}"
    );
    let body: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"));
    let operation = &schemas.doc["paths"][path][method];
    let mut answer = operation["responses"]
        .get(status.to_string())
        .unwrap_or_else(|| {
            panic!("{method} {path} answered {status}, which the document does not list: {body}")
        });
    if let Some(reference) = answer.get("$ref") {
        answer = schemas.resolve(reference.as_str().unwrap());
    }
    let schema = &answer["content"]["application/json"]["schema"];
    let errors = schemas.errors(schema, &body);
    assert!(
        errors.is_empty(),
        "{method} {path} answered {status} with JSON the document does not describe:\n  {}\n{body}",
        errors.join("\n  ")
    );
    (status, body)
}

// ---------------------------------------------------------------------------------
// The tests.

#[tokio::test]
async fn the_served_document_is_the_file_byte_for_byte() {
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let response = reqwest::get(format!("{}/openapi.json", server.url()))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let served = response.bytes().await.unwrap();
    assert!(
        served == DOCUMENT.as_bytes(),
        "/openapi.json differs from district/openapi.json"
    );
    let doc: Value = serde_json::from_slice(&served).expect("the served document is JSON");
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(
        doc["paths"].as_object().is_some_and(|p| !p.is_empty()),
        "the document lists no paths"
    );
}

#[test]
fn the_document_is_well_formed() {
    let doc = document();
    let schemas = Schemas { doc: &doc };
    for (name, schema) in doc["components"]["schemas"]
        .as_object()
        .expect("components.schemas")
    {
        lint_schema(&schemas, schema, &format!("#/components/schemas/{name}"));
    }
    // Every example in the document is itself a check of the schema beside it.
    let mut examples = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let where_ = format!("{method} {path}");
            assert!(
                operation["operationId"].is_string(),
                "{where_} has no operationId"
            );
            assert!(
                operation["security"].is_array(),
                "{where_} does not say whether it needs a credential"
            );
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                lint_schema(&schemas, &parameter["schema"], &where_);
            }
            let mut media = Vec::new();
            if let Some(content) = operation["requestBody"]["content"].as_object() {
                media.extend(content.values());
            }
            for (status, answer) in operation["responses"].as_object().expect("responses") {
                assert!(
                    status == "default" || (status.len() == 3 && status.parse::<u16>().is_ok()),
                    "{where_}: {status} is not a status"
                );
                let answer = match answer.get("$ref") {
                    Some(reference) => schemas.resolve(reference.as_str().unwrap()),
                    None => answer,
                };
                assert!(
                    answer["description"].is_string(),
                    "{where_} {status} has no description"
                );
                media.extend(
                    answer["content"]
                        .as_object()
                        .expect("every answer is JSON")
                        .values(),
                );
            }
            for medium in media {
                lint_schema(&schemas, &medium["schema"], &where_);
                if let Some(example) = medium.get("example") {
                    let errors = schemas.errors(&medium["schema"], example);
                    assert!(
                        errors.is_empty(),
                        "{where_}: an example breaks its schema: {errors:?}"
                    );
                    examples += 1;
                }
            }
        }
    }
    assert!(examples >= 4, "the examples were not found");
    // The error answers the server gives, each with the shared error body.
    let responses = &doc["components"]["responses"];
    for status in [
        "BadRequest",
        "Unauthorized",
        "NotFound",
        "MethodNotAllowed",
        "PayloadTooLarge",
        "UnsupportedMediaType",
        "UnprocessableEntity",
        "Unavailable",
    ] {
        assert_eq!(
            responses[status]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody",
            "components.responses.{status}"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["device"]["scheme"],
        "bearer"
    );
}

#[test]
fn every_route_of_the_router_is_documented_and_nothing_else_is() {
    let doc = document();
    assert_eq!(router_operations(), documented_operations(&doc));
}

/// The router read from its source could be read wrongly, so the document is also held
/// to the running server: each documented operation exists, and every other method on
/// a documented path is refused as the document says.
#[tokio::test]
async fn every_documented_operation_answers_on_a_running_server() {
    let doc = document();
    let schemas = Schemas { doc: &doc };
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let client = reqwest::Client::new();
    let documented = documented_operations(&doc);
    let paths: BTreeSet<&String> = documented.iter().map(|(path, _)| path).collect();
    for path in paths {
        let allowed: BTreeSet<String> = documented
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, method)| method.to_uppercase())
            .collect();
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            let response = client
                .request(method.parse().unwrap(), format!("{}{path}", server.url()))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let allow = response
                .headers()
                .get("allow")
                .map(|v| v.to_str().unwrap().to_string());
            let body: Value = response.json().await.unwrap_or(Value::Null);
            if allowed.contains(method) {
                assert!(
                    status != 404
                        && status != 405
                        && body["code"] != "not_found"
                        && body["code"] != "method_not_allowed",
                    "{method} {path} is documented but the server answers {status} {body}"
                );
            } else {
                assert_eq!(
                    status, 405,
                    "{method} {path} is not documented but the server answers {status} {body}"
                );
                schemas.assert_valid("ErrorBody", &body);
                assert_eq!(body["code"], "method_not_allowed");
                let mut expected = allowed.clone();
                if expected.contains("GET") {
                    expected.insert("HEAD".into());
                }
                let allow: BTreeSet<String> = allow
                    .expect("a 405 says what is allowed")
                    .split(',')
                    .map(|m| m.trim().to_string())
                    .collect();
                assert_eq!(
                    allow, expected,
                    "{path}: Allow differs from the documented methods"
                );
            }
        }
    }
    let response = client
        .get(format!("{}/v1/nothing-here", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    schemas.assert_valid("ErrorBody", &body);
    assert_eq!(body["code"], "not_found");
}

#[test]
fn every_event_type_the_district_reads_is_described() {
    let doc = document();
    let schemas = Schemas { doc: &doc };
    let payload = schemas.named("EventPayload");
    let mapping = payload["discriminator"]["mapping"]
        .as_object()
        .expect("EventPayload maps its types");
    let documented: BTreeSet<&str> = mapping.keys().map(String::as_str).collect();
    let known: BTreeSet<&str> = KNOWN_EVENT_TYPES.into_iter().collect();
    assert_eq!(
        documented, known,
        "the document's event types differ from KNOWN_EVENT_TYPES"
    );
    for kind in KNOWN_EVENT_TYPES {
        let schema = schemas.resolve(mapping[kind].as_str().unwrap());
        assert!(
            schema["description"].is_string(),
            "{kind} is not described in words"
        );
    }
    assert!(
        !schemas.matches(payload, &json!({"type": "no_such_event"})),
        "an unknown type must not match EventPayload"
    );
    // And each type as the device really writes it fits its schema.
    let payloads = one_of_each("ASC-2026A");
    let kinds: Vec<&str> = payloads.iter().map(EventPayload::kind).collect();
    assert_eq!(
        kinds, KNOWN_EVENT_TYPES,
        "the test data lacks an event type"
    );
    for (index, payload) in payloads.into_iter().enumerate() {
        let event = OutboxEvent::new(
            format!("evt-{index}"),
            "01a220e8-35ac-7342-a0bc-e07886d61e58",
            "C-1",
            at("2026-09-07 18:05"),
            payload,
        );
        schemas.assert_valid("OutboxEvent", &serde_json::to_value(&event).unwrap());
    }
}

/// The answers of a real session (enrol, push every event type, push them again, one
/// refused, pull every kind of change) match the document's schemas exactly: no field
/// the document lacks, none it requires missing, every type and pattern as written.
#[tokio::test]
async fn real_answers_match_the_documented_schemas() {
    let doc = document();
    let schemas = Schemas { doc: &doc };
    let db = TestDb::create();
    let server = TestServer::start(&db.url);
    let centre = "C-1";
    let device = enrolled(&db, &server, &schemas, centre).await;
    let client = reqwest::Client::new();
    let bearer = format!("Bearer {}", device.credential);

    {
        let device_id = device.id.clone();
        db.run(move |pool| async move {
            admin::publish_programme(&pool, "C-1", &programme_json("ASC-2026A")).await.expect("programme");
            // The manager who adds a colleague at the device in the pushed events.
            linli_district::staff::add(&pool, "C-1", "S003", "刘经理", &["manager".into()], None)
                .await
                .expect("a manager");
            admin::publish_rules(
                &pool,
                &json!({"id": "R-DAY", "version": 1, "min_age": 60, "max_age": null, "age_reference": "2026-01-01",
                        "residency": "community_household", "required_tags": [], "excluded_tags": [],
                        "guardian_required_under": null})
                .to_string(),
            )
            .await
            .expect("rules");
            admin::publish_policy(
                &pool,
                &json!({"id": "P-DAY", "version": 1, "credit_for_unplaced": false,
                        "buckets": [{"name": {"zh": "所有人", "en": "Everyone"}, "any_of_tags": []}]})
                .to_string(),
            )
            .await
            .expect("policy");
            admin::publish_calendar(
                &pool,
                &json!({"holidays": {"2026-10-01": {"zh": "国庆节", "en": "National Day"}},
                        "make_up_workdays": {"2026-10-10": {"zh": "国庆调休", "en": "National Day make-up day"}},
                        "school_terms": [{"name": {"zh": "2026秋季学期", "en": "Autumn term 2026"},
                                          "first_day": "2026-09-01", "last_day": "2027-01-22"}]})
                .to_string(),
            )
            .await
            .expect("calendar");
            admin::publish_categories(
                &pool,
                &json!([{"code": "bicycle_repair", "label": {"zh": "自行车修理", "en": "Bicycle repair"}}]).to_string(),
            )
            .await
            .expect("categories");
            admin::publish_retention(&pool, &json!({"version": 1, "years": 3}).to_string())
                .await
                .expect("retention");
            // An offer comes from the district's waiting list, which takes a longer
            // story to reach; the change it publishes is the same.
            let mut client = pool.get().await.unwrap();
            let tx = client.transaction().await.unwrap();
            linli_district::db::add_change(
                &tx,
                Some("C-1"),
                Some(device_id.parse().unwrap()),
                &ChangeBody::OfferMade {
                    enrolment_id: "E-1".into(),
                    programme_code: "ASC-2026A".into(),
                    resident_id_number: ID_NUMBER.into(),
                    offer_deadline: at("2026-09-03 18:00"),
                },
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        });
    }

    // A member without a phone as well, so the registry's `phone: null` is seen too.
    let mut payloads = one_of_each("ASC-2026A");
    payloads.push(EventPayload::ResidentRegistered {
        household_code: "H-0001".into(),
        id_number: "110105201503010029".into(),
        name: "张小明".into(),
        phone: None,
        tags: vec![],
    });
    let sent = payloads.len();
    let events: Vec<Value> = payloads
        .into_iter()
        .enumerate()
        .map(|(index, payload)| {
            let event = OutboxEvent::new(
                format!("evt-{index}"),
                &device.id,
                centre,
                at("2026-09-07 18:05"),
                payload,
            );
            json!({"seq": index + 1, "event": event})
        })
        .collect();
    let batch = json!({"protocol_version": 2, "sent_at": "2026-09-07T18:06:00", "events": events});
    schemas.assert_valid("PushRequest", &batch);
    let push = || {
        client
            .post(format!("{}/v1/events", server.url()))
            .header("authorization", &bearer)
    };
    let (status, body) = call(&schemas, push().json(&batch), "/v1/events", "post").await;
    assert_eq!(status, 200);
    let outcomes: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, vec!["accepted"; sent], "{body}");
    let (_, again) = call(&schemas, push().json(&batch), "/v1/events", "post").await;
    assert!(
        again["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["outcome"] == "duplicate"),
        "{again}"
    );
    let refused = json!({"protocol_version": 2, "sent_at": "2026-09-07T18:06:00",
                          "events": [{"seq": 99, "event": {"schema_version": 99, "event_id": "evt-new"}}]});
    let (_, refused) = call(&schemas, push().json(&refused), "/v1/events", "post").await;
    assert_eq!(refused["results"][0]["outcome"], "rejected", "{refused}");

    let (status, pulled) = call(
        &schemas,
        client
            .get(format!("{}/v1/changes?after=0", server.url()))
            .header("authorization", &bearer),
        "/v1/changes",
        "get",
    )
    .await;
    assert_eq!(status, 200);
    let mut seen = BTreeSet::new();
    for change in pulled["changes"].as_array().unwrap() {
        let typed: ChangeBody =
            serde_json::from_value(change["change"].clone()).expect("a change core reads");
        seen.insert(change_type(&typed));
    }
    let documented: BTreeSet<&str> = schemas.named("ChangeBody")["discriminator"]["mapping"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        seen, documented,
        "the pull did not bring every documented kind of change"
    );
    assert!(
        !pulled["grants"].as_array().unwrap().is_empty(),
        "no seat grant to check: {pulled}"
    );

    let request = json!({"id_number": ID_NUMBER, "staff_code": "S001", "purpose": "报名日间照料"});
    schemas.assert_valid("RegistryLookupRequest", &request);
    let (status, found) = call(
        &schemas,
        client
            .post(format!("{}/v1/registry/lookup", server.url()))
            .header("authorization", &bearer)
            .json(&request),
        "/v1/registry/lookup",
        "post",
    )
    .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["household"]["household_code"], "H-0001");

    let (status, _) = call(
        &schemas,
        client.get(format!("{}/healthz", server.url())),
        "/healthz",
        "get",
    )
    .await;
    assert_eq!(status, 200);
}

/// Each error status the document lists for an operation is one the server really gives
/// there, with the documented body. 503 is reached through a database that is not there.
#[tokio::test]
async fn every_documented_error_status_is_real() {
    let doc = document();
    let schemas = Schemas { doc: &doc };
    let db = TestDb::create();
    let server = TestServer::start_with(
        &db.url,
        linli_district::limits::Limits {
            lookups_per_hour: 1,
            // The enrolment below and the one case that reaches the handler with a
            // code; the last enrolment case is then one too many.
            enrols_per_minute: 2,
            ..Default::default()
        },
    );
    let device = enrolled(&db, &server, &schemas, "C-1").await;
    let client = reqwest::Client::new();
    let bearer = format!("Bearer {}", device.credential);
    let url = |path: &str| format!("{}{path}", server.url());
    let nobody = format!(
        "11010520000101003{}",
        linli_core::identity::check_character("11010520000101003").unwrap()
    );
    let lookup = json!({"id_number": nobody, "staff_code": "S001", "purpose": "报名日间照料"});
    let big = "x".repeat(linli_core::sync::MAX_BODY_BYTES + 1);
    let too_many: Vec<Value> = (0..=linli_core::sync::MAX_BATCH_EVENTS)
        .map(|seq| json!({"seq": seq, "event": {}}))
        .collect();

    let mut given: BTreeMap<(&str, &str), BTreeSet<u16>> = BTreeMap::new();
    let cases: Vec<(&str, &str, reqwest::RequestBuilder)> = vec![
        ("/v1/enrol", "post", client.post(url("/v1/enrol")).header("content-type", "application/json").body("{")),
        ("/v1/enrol", "post", client.post(url("/v1/enrol")).json(&json!({"code": "ABCD-EFGH-JKMN"}))),
        ("/v1/enrol", "post", client.post(url("/v1/enrol")).header("content-type", "application/json").body(big.clone())),
        ("/v1/enrol", "post", client.post(url("/v1/enrol")).body("{}")),
        ("/v1/enrol", "post", client.post(url("/v1/enrol")).json(&json!({"code": 5}))),
        ("/v1/enrol", "post", client.post(url("/v1/enrol")).json(&json!({"code": "ABCD-EFGH-JKMP"}))),
        ("/v1/events", "post", client.post(url("/v1/events")).header("authorization", &bearer).header("content-type", "application/json").body("[")),
        ("/v1/events", "post", client.post(url("/v1/events")).json(&json!({}))),
        ("/v1/events", "post", client.post(url("/v1/events")).header("authorization", &bearer).header("content-type", "application/json").body(big.clone())),
        ("/v1/events", "post", client.post(url("/v1/events")).header("authorization", &bearer).json(&json!({"protocol_version": 2, "sent_at": "2026-09-07T18:06:00", "events": too_many}))),
        ("/v1/events", "post", client.post(url("/v1/events")).header("authorization", &bearer).body("{}")),
        ("/v1/events", "post", client.post(url("/v1/events")).header("authorization", &bearer).json(&json!({"protocol_version": 2}))),
        ("/v1/changes", "get", client.get(url("/v1/changes?after=-1")).header("authorization", &bearer)),
        ("/v1/changes", "get", client.get(url("/v1/changes"))),
        ("/v1/registry/lookup", "post", client.post(url("/v1/registry/lookup")).header("authorization", &bearer).json(&json!({"id_number": "123", "staff_code": "S001", "purpose": "报名"}))),
        ("/v1/registry/lookup", "post", client.post(url("/v1/registry/lookup")).json(&lookup)),
        // Nobody has this number: 404, and it uses up the hour's one lookup ...
        ("/v1/registry/lookup", "post", client.post(url("/v1/registry/lookup")).header("authorization", &bearer).json(&lookup)),
        // ... so the next is 429.
        ("/v1/registry/lookup", "post", client.post(url("/v1/registry/lookup")).header("authorization", &bearer).json(&lookup)),
        ("/v1/registry/lookup", "post", client.post(url("/v1/registry/lookup")).header("authorization", &bearer).header("content-type", "application/json").body(big.clone())),
        ("/v1/registry/lookup", "post", client.post(url("/v1/registry/lookup")).header("authorization", &bearer).body("{}")),
        ("/v1/registry/lookup", "post", client.post(url("/v1/registry/lookup")).header("authorization", &bearer).json(&json!({"id_number": 5}))),
    ];
    for (path, method, request) in cases {
        let (status, _) = call(&schemas, request, path, method).await;
        given.entry((path, method)).or_default().insert(status);
    }
    drop(server);

    // The same server on a database that does not exist: the district's own failure.
    // Port 1 on this machine: nothing listens there, so every connection is refused.
    let away =
        TestServer::start("host=127.0.0.1 port=1 user=postgres dbname=linli connect_timeout=2");
    let url = |path: &str| format!("{}{path}", away.url());
    let cases: Vec<(&str, &str, reqwest::RequestBuilder)> = vec![
        (
            "/v1/enrol",
            "post",
            client
                .post(url("/v1/enrol"))
                .json(&json!({"code": "ABCD-EFGH-JKMN"})),
        ),
        (
            "/v1/events",
            "post",
            client
                .post(url("/v1/events"))
                .header("authorization", &bearer)
                .json(&json!({})),
        ),
        (
            "/v1/changes",
            "get",
            client
                .get(url("/v1/changes"))
                .header("authorization", &bearer),
        ),
        ("/healthz", "get", client.get(url("/healthz"))),
        (
            "/v1/registry/lookup",
            "post",
            client
                .post(url("/v1/registry/lookup"))
                .header("authorization", &bearer)
                .json(&lookup),
        ),
    ];
    for (path, method, request) in cases {
        let (status, _) = call(&schemas, request, path, method).await;
        given.entry((path, method)).or_default().insert(status);
    }

    for (path, method) in documented_operations(&doc) {
        let listed: BTreeSet<u16> = doc["paths"][&path][&method]["responses"]
            .as_object()
            .unwrap()
            .keys()
            .filter_map(|status| status.parse().ok())
            .filter(|status| *status >= 400)
            .collect();
        let seen = given
            .get(&(path.as_str(), method.as_str()))
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            seen, listed,
            "{method} {path}: the error statuses given differ from those documented"
        );
    }
}

/// The document is no looser than the server, nor the server than the document: for
/// each value at an edge (enrolment codes, protocol versions written as 3.0, local
/// times in month 13 or on 29 February, limits of any size), the document's schema
/// accepts it exactly when the server does (answers anything but 400 or 422).
#[tokio::test]
async fn the_document_accepts_exactly_what_the_server_accepts() {
    let doc = document();
    let schemas = Schemas { doc: &doc };
    let db = TestDb::create();
    let server = TestServer::start_with(
        &db.url,
        linli_district::limits::Limits {
            enrols_per_minute: 1_000,
            ..Default::default()
        },
    );
    let device = enrolled(&db, &server, &schemas, "C-1").await;
    let client = reqwest::Client::new();
    let bearer = format!("Bearer {}", device.credential);
    let refused_by_server = |status: u16| status == 400 || status == 422;

    let codes = [
        ("ABCD-EFGH-JKMN", true),
        ("abcd efgh jkmn", true),
        ("ABCDEFGHJKMN", true),
        ("ABCD-EFGHJKMN", true),
        ("ABCD--EFGH-JKMN", false),
        ("ABCD-EFGH-JKM", false),
        ("ABCD-EFGH-JKMNP", false),
        (" ABCD-EFGH-JKMN", false),
        ("ABCD_EFGH_JKMN", false),
        ("A B C D E F G H J K M N", false),
        ("登记码登记码登记码登记码", false),
        ("", false),
    ];
    for (code, valid) in codes {
        let body = json!({"code": code});
        let documented = schemas.matches(schemas.named("EnrolRequest"), &body);
        let status = client
            .post(format!("{}/v1/enrol", server.url()))
            .json(&body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert_eq!(documented, valid, "the document on {code:?}");
        assert_eq!(
            !refused_by_server(status),
            valid,
            "the server on {code:?}: {status}"
        );
    }

    let push = |body: String| {
        client
            .post(format!("{}/v1/events", server.url()))
            .header("authorization", &bearer)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let versions = [
        ("1", true),
        ("3", true),
        ("4", true),
        ("5", true),
        ("6", true),
        ("7", true),
        ("8", true),
        ("9", true),
        ("4.0", true),
        ("1e0", true),
        ("2.5", false),
        ("\"2\"", false),
        ("0", false),
        ("10", false),
        ("-1", false),
        ("65536", false),
    ];
    for (version, valid) in versions {
        let text = format!(
            r#"{{"protocol_version": {version}, "sent_at": "2026-09-07T18:06:00", "events": []}}"#
        );
        let body: Value = serde_json::from_str(&text).unwrap();
        let documented = schemas.matches(schemas.named("PushRequest"), &body);
        let status = push(text).await.unwrap().status().as_u16();
        assert_eq!(
            documented, valid,
            "the document on protocol_version {version}"
        );
        assert_eq!(
            !refused_by_server(status),
            valid,
            "the server on {version}: {status}"
        );
    }

    let times = [
        ("2026-09-07T18:06:00", true),
        ("2026-09-07T18:06:00.5", true),
        ("2028-02-29T00:00:00", true),
        ("2000-02-29T12:00:00.123456789", true),
        ("2026-13-01T00:00:00", false),
        ("2026-00-10T00:00:00", false),
        ("2026-02-29T00:00:00", false),
        ("2100-02-29T00:00:00", false),
        ("2026-04-31T00:00:00", false),
        ("2026-09-07T24:00:00", false),
        ("2026-09-07T23:59:60", false),
        ("+12026-09-07T18:06:00", false),
        ("2026-09-07 18:06:00", false),
        ("2026-09-07T18:06", false),
        ("2026-09-07T18:06:00.1234567891", false),
        ("2026-09-07T18:06:00+08:00", false),
    ];
    for (time, valid) in times {
        let body = json!({"protocol_version": 3, "sent_at": time, "events": []});
        let documented = schemas.matches(schemas.named("PushRequest"), &body);
        let status = push(body.to_string()).await.unwrap().status().as_u16();
        assert_eq!(documented, valid, "the document on sent_at {time}");
        assert_eq!(
            !refused_by_server(status),
            valid,
            "the server on {time}: {status}"
        );
        // The same time inside an event: rejected alone exactly when the document
        // says the event is not one.
        let event = json!({"schema_version": 3, "event_id": format!("t-{time}"), "device_id": device.id,
                           "centre_code": "C-1", "occurred_at": time,
                           "payload": {"type": "ledger_recorded", "business_code": "B-1", "month": "2026-10",
                                       "revenue_fen": 1.0, "cost_fen": 0}});
        let documented = schemas.matches(schemas.named("OutboxEvent"), &event);
        let batch = json!({"protocol_version": 3, "sent_at": "2026-09-07T18:06:00",
                           "events": [{"seq": 1, "event": event}]});
        let answer: Value = push(batch.to_string()).await.unwrap().json().await.unwrap();
        let outcome = answer["results"][0]["outcome"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert_eq!(documented, valid, "the document on occurred_at {time}");
        assert_eq!(
            outcome != "rejected",
            valid,
            "the server on occurred_at {time}: {answer}"
        );
    }

    let limit_schema = &doc["paths"]["/v1/changes"]["get"]["parameters"][1]["schema"];
    for (limit, valid) in [
        ("0", true),
        ("2000", true),
        ("1000000", true),
        ("99999999999999999999", true),
        ("-1", false),
        ("1.5", false),
    ] {
        let as_json: Value = serde_json::from_str(limit).unwrap();
        let documented = schemas.matches(limit_schema, &as_json);
        let response = client
            .get(format!("{}/v1/changes?limit={limit}", server.url()))
            .header("authorization", &bearer)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert_eq!(documented, valid, "the document on limit={limit}");
        assert_eq!(
            !refused_by_server(status),
            valid,
            "the server on limit={limit}: {status}"
        );
        if valid {
            let page: Value = response.json().await.unwrap();
            assert!(page["changes"].as_array().unwrap().len() <= 2_000);
        }
    }
}
