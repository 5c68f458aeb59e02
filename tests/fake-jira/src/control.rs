//! Control API under `/__fake/` for tests written in other languages: read what the fake
//! received, reset it, and inject faults. These requests are never recorded.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;

use crate::state::{Fault, Shared};

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/__fake/requests", get(requests))
        .route("/__fake/issues", get(issues))
        .route("/__fake/violations", get(violations))
        .route("/__fake/reset", post(reset))
        .route("/__fake/faults", get(faults).post(add_faults).delete(clear_faults))
}

async fn requests(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.lock().requests.clone()).into_response()
}

async fn issues(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.lock().issues.clone()).into_response()
}

async fn violations(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.lock().violations.clone()).into_response()
}

async fn faults(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.lock().faults.clone()).into_response()
}

async fn reset(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.reset();
    StatusCode::NO_CONTENT
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.lock().faults.clear();
    StatusCode::NO_CONTENT
}

/// Adds one fault object or an array of them, and returns all pending faults.
async fn add_faults(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let parsed: Result<Vec<Fault>, _> = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(items)) => items.into_iter().map(serde_json::from_value).collect(),
        Ok(item) => serde_json::from_value(item).map(|fault| vec![fault]),
        Err(error) => Err(error),
    };
    match parsed {
        Ok(new_faults) => {
            for fault in new_faults {
                shared.add_fault(fault);
            }
            (StatusCode::CREATED, Json(shared.lock().faults.clone())).into_response()
        }
        Err(error) => {
            let message = format!(
                "invalid fault: {error}; expected {{\"pathPrefix\": \"/rest/api/3/issue\", \"status\": 429, \
                 \"count\": 1, \"retryAfter\": \"5\", \"body\": ..., \"delayMs\": 0, \"method\": \"POST\"}}"
            );
            (StatusCode::BAD_REQUEST, message).into_response()
        }
    }
}
