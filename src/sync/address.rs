//! Which district addresses a device may talk to. The credential and every resident's
//! full ID number travel in sync requests, so they go over TLS; plain `http://` is
//! accepted only to a loopback address (127.0.0.0/8, ::1), where the bytes never leave
//! the machine: development and the test suite.

use std::net::IpAddr;

use linli_core::Text;

use crate::error::{AppError, Refused};

fn refused(url: &str, why: Text) -> AppError {
    Refused::new(
        "insecure_district_url",
        Text::new("区级后台地址不安全", "the district address is not secure"),
        vec![
            why,
            Text::new(
                format!("地址：{url}。请使用 https:// 开头的地址"),
                format!("Address: {url}. Use an address that starts with https://"),
            ),
        ],
    )
    .into()
}

/// Refuses any address but `https://…`, or `http://` to a loopback IP address.
pub fn check(url: &str) -> Result<(), AppError> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| {
        AppError::from(Refused::new(
            "invalid_district_url",
            Text::new("区级后台地址有误", "the district address is not valid"),
            vec![Text::new(
                format!("无法识别地址“{url}”：{e}"),
                format!("\"{url}\" is not an address: {e}"),
            )],
        ))
    })?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => {
            // Only an IP literal counts: a name could resolve anywhere.
            let loopback = parsed
                .host_str()
                .map(|host| host.trim_start_matches('[').trim_end_matches(']'))
                .and_then(|host| host.parse::<IpAddr>().ok())
                .is_some_and(|ip| ip.is_loopback());
            if loopback {
                Ok(())
            } else {
                Err(refused(
                    url,
                    Text::new(
                        "http:// 不加密，登记凭据和居民身份证号会在网络上明文传输；只有本机回环地址（127.0.0.1、::1）可用于开发和测试",
                        "http:// is not encrypted: the device's credential and residents' ID numbers would cross the network in clear. Only a loopback address (127.0.0.1, ::1) may use it, for development and tests",
                    ),
                ))
            }
        }
        other => Err(refused(
            url,
            Text::new(
                format!("不支持“{other}”协议"),
                format!("the scheme \"{other}\" is not supported"),
            ),
        )),
    }
}
