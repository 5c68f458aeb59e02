//! `serverInfo` and `myself`: what a client reads first to learn the dialect and check
//! the token.

use axum::Json;
use serde_json::{json, Value};

use super::{user_json, AppState};
use crate::config::Mode;

pub(crate) async fn server_info(axum::extract::State(shared): AppState) -> Json<Value> {
    // Versions of the specs under test: Cloud 1001.0.0-SNAPSHOT and Data Center 10.3.
    let (version, numbers, build) = match shared.config.mode {
        Mode::Cloud => ("1001.0.0-SNAPSHOT", json!([1001, 0, 0]), 100_289),
        Mode::DataCenter => ("10.3.4", json!([10, 3, 4]), 10_030_004),
    };
    Json(json!({
        "baseUrl": shared.base_url,
        "version": version,
        "versionNumbers": numbers,
        "deploymentType": shared.config.deployment_type,
        "buildNumber": build,
        "buildDate": "2025-01-01T00:00:00.000+0000",
        "serverTime": crate::state::jira_timestamp(),
        "scmInfo": "fake-jira",
        "serverTitle": "fake-jira",
    }))
}

pub(crate) async fn myself(axum::extract::State(shared): AppState) -> Json<Value> {
    Json(user_json(&shared))
}
