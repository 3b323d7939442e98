//! What the district's test modules share: a device enrolled through the real API,
//! and the requests a device sends, built in one place so each test says only what
//! differs (its body, a header it leaves out or garbles).

use linli_district::admin;
use linli_district::testing::{TestDb, TestServer};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::RequestBuilder;
use serde_json::{json, Value};

/// A device's id and credential, as enrolment gave them.
pub struct Device {
    pub id: String,
    pub credential: String,
}

impl Device {
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.credential)
    }

    /// `POST path` on the server at `base`, with this device's credential.
    pub fn post(&self, base: &str, path: &str) -> RequestBuilder {
        post(base, path).header(AUTHORIZATION, self.bearer())
    }

    /// `GET path` on the server at `base`, with this device's credential.
    pub fn get(&self, base: &str, path: &str) -> RequestBuilder {
        get(base, path).header(AUTHORIZATION, self.bearer())
    }
}

/// `POST path` on the server at `base` (`TestServer::url`), with no credential.
pub fn post(base: &str, path: &str) -> RequestBuilder {
    reqwest::Client::new().post(format!("{base}{path}"))
}

/// `GET path` on the server at `base`, with no credential.
pub fn get(base: &str, path: &str) -> RequestBuilder {
    reqwest::Client::new().get(format!("{base}{path}"))
}

/// Adds a centre (unless it is there) and a device, and returns the device's
/// one-time enrolment code and id.
pub fn add_device(db: &TestDb, centre: &str, name: &str) -> (String, String) {
    let (centre, name) = (centre.to_string(), name.to_string());
    db.run(move |pool| async move {
        // A second device of a centre finds it there already: that refusal is expected.
        let _ =
            admin::centre_add(&pool, &centre, "海滨社区服务中心", "440306", "440306001001").await;
        let added = admin::device_add(&pool, &centre, &name)
            .await
            .expect("the device is added");
        (
            added["code"].as_str().expect("a code").to_string(),
            added["device_id"].as_str().expect("an id").to_string(),
        )
    })
}

/// Sends an enrolment request with `body` (`{"code": …}`).
pub async fn enrol_with(server: &TestServer, body: &Value) -> reqwest::Response {
    post(&server.url(), "/v1/enrol")
        .json(body)
        .send()
        .await
        .expect("the server answers")
}

/// Enrols with `code`.
pub async fn enrol(server: &TestServer, code: &str) -> reqwest::Response {
    enrol_with(server, &json!({"code": code})).await
}

/// The device's credential and id from a successful enrolment answer.
pub async fn device_from(response: reqwest::Response) -> (Device, Value) {
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    let device = Device {
        id: body["device_id"].as_str().unwrap().to_string(),
        credential: body["credential"].as_str().unwrap().to_string(),
    };
    (device, body)
}

/// A new device of `centre` (added if need be), enrolled.
pub async fn enrolled(db: &TestDb, server: &TestServer, centre: &str, name: &str) -> Device {
    let (code, _) = add_device(db, centre, name);
    device_from(enrol(server, &code).await).await.0
}

/// The status and JSON body of an answer; every answer of this server is JSON.
pub async fn read_answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = response.text().await.expect("a body");
    assert!(
        content_type.starts_with("application/json"),
        "answered {status} as {content_type:?}, not JSON: {text}"
    );
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("answered {status} with invalid JSON ({e}): {text}"));
    (status, body)
}

/// A resident registered in a household, as a device sends it.
pub fn resident(household: &str, id_number: &str, name: &str) -> linli_core::outbox::EventPayload {
    linli_core::outbox::EventPayload::ResidentRegistered {
        household_code: household.into(),
        id_number: id_number.into(),
        name: name.into(),
        phone: None,
        tags: vec![],
    }
}
