//! One HTTP client for both Jira dialects. It adds the token to each request, sends it
//! only to the address saved with the site (the site itself, or Atlassian's API gateway
//! for a scoped API token), and turns Jira's responses into typed errors whose text never
//! contains the token.

use std::time::Duration;

use base64::Engine;
use jira_bridge_protocol::{Deployment, ErrorCode, ErrorReply, Secret};
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

/// Time allowed for one Jira request, from connecting to the last byte of the body.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Environment variable that overrides [`REQUEST_TIMEOUT`], in seconds.
pub const REQUEST_TIMEOUT_ENV: &str = "JIRA_BRIDGE_REQUEST_TIMEOUT_SECS";

/// Largest Jira response body the host reads; larger ones are refused, not buffered.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Attempts a GET gets in total: the first one and two retries. Only GET is retried,
/// because repeating a POST or PUT whose response was lost could do the work twice.
const MAX_ATTEMPTS: u32 = 3;

/// Longest `Retry-After` the host waits out itself. Jira asking for a longer pause is
/// passed on to the popup with `retryAfterSeconds`, so the person decides.
const MAX_RETRY_AFTER_SECS: u64 = 5;

/// Wait before the first retry when Jira names none; it doubles for each later retry.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// Credentials the host sends to a site.
#[derive(Clone)]
pub enum Credentials {
    /// Jira Cloud: the account's email and an API token, sent as HTTP Basic.
    Basic { email: String, token: Secret },
    /// Jira Data Center: a personal access token, sent as a Bearer token.
    Bearer { token: Secret },
}

impl Credentials {
    fn header_value(&self) -> header::HeaderValue {
        let text = match self {
            Credentials::Basic { email, token } => {
                let pair = zeroize::Zeroizing::new(format!("{email}:{}", token.expose()));
                format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair.as_bytes()))
            }
            Credentials::Bearer { token } => format!("Bearer {}", token.expose()),
        };
        let text = zeroize::Zeroizing::new(text);
        let mut value = header::HeaderValue::from_str(&text).unwrap_or_else(|_| header::HeaderValue::from_static("Invalid"));
        value.set_sensitive(true);
        value
    }

    /// Returns every form in which the token could show up in a Jira response, so echoed
    /// text can be scrubbed.
    fn leak_forms(&self) -> Vec<String> {
        let mut forms = Vec::new();
        match self {
            Credentials::Basic { email, token } => {
                forms.push(token.expose().to_string());
                let pair = format!("{email}:{}", token.expose());
                forms.push(base64::engine::general_purpose::STANDARD.encode(pair.as_bytes()));
            }
            Credentials::Bearer { token } => forms.push(token.expose().to_string()),
        }
        forms.retain(|form| form.len() >= 4);
        forms
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Basic { email, .. } => write!(f, "Basic({email}, <redacted>)"),
            Credentials::Bearer { .. } => f.write_str("Bearer(<redacted>)"),
        }
    }
}

/// Builds the HTTP client shared by every request of a host process, so later calls
/// reuse the connection. Redirects are never followed: a redirect to another origin
/// would carry the credentials there.
pub fn build_http_client(allow_http_loopback: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(request_timeout())
        .connect_timeout(Duration::from_secs(10))
        .https_only(!allow_http_loopback)
        .user_agent(concat!("jira-bridge/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client settings are valid")
}

fn request_timeout() -> Duration {
    std::env::var(REQUEST_TIMEOUT_ENV)
        .ok()
        .and_then(|value| value.parse::<u64>().ok())
        .filter(|seconds| *seconds > 0)
        .map(Duration::from_secs)
        .unwrap_or(REQUEST_TIMEOUT)
}

/// Body of a request.
enum Payload<'a> {
    None,
    Json(&'a Value),
    File { file_name: &'a str, mime: &'a str, bytes: Vec<u8> },
}

/// A client for one site and account.
#[derive(Debug, Clone)]
pub struct JiraClient {
    http: reqwest::Client,
    /// Base of the links people open, and the name of the site in messages.
    site_url: String,
    /// Base every REST path is appended to: the site URL, or the gateway base
    /// `https://api.atlassian.com/ex/jira/{cloudId}` for a scoped API token.
    api_url: String,
    deployment: Deployment,
    credentials: Credentials,
}

impl JiraClient {
    /// Creates a client that sends its requests to the site itself.
    pub fn new(http: reqwest::Client, site_url: &str, deployment: Deployment, credentials: Credentials) -> Self {
        let site_url = site_url.trim_end_matches('/').to_string();
        JiraClient { http, api_url: site_url.clone(), site_url, deployment, credentials }
    }

    /// Returns the same client sending its requests to `api_url` instead of the site. The
    /// caller checks that `api_url` may receive the token; see `actions::connect::gateway_origin`.
    pub fn with_api_url(mut self, api_url: &str) -> Self {
        self.api_url = api_url.trim_end_matches('/').to_string();
        self
    }

    pub fn site_url(&self) -> &str {
        &self.site_url
    }

    /// Returns the base REST paths are appended to, which differs from the site URL only
    /// for a site reached through Atlassian's API gateway.
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    pub fn deployment(&self) -> Deployment {
        self.deployment
    }

    /// Returns the REST prefix of the dialect: `/rest/api/3` on Cloud, `/rest/api/2` on Data Center.
    pub fn api(&self) -> &'static str {
        match self.deployment {
            Deployment::Cloud => "/rest/api/3",
            Deployment::DataCenter => "/rest/api/2",
        }
    }

    /// Returns the link a person opens to see an issue.
    pub fn browse_url(&self, key: &str) -> String {
        format!("{}/browse/{key}", self.site_url)
    }

    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, ErrorReply> {
        self.send(Method::GET, path, query, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, ErrorReply> {
        self.send(Method::POST, path, &[], Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Result<Value, ErrorReply> {
        self.send(Method::PUT, path, &[], Some(body)).await
    }

    /// Sends one request to `api_url + path` and returns the JSON body (`null` when empty).
    /// A GET that meets a transient failure (429, 502, 503, 504, or a refused connection) is
    /// sent again after Jira's `Retry-After` or a short backoff; see [`retry_delay`].
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, ErrorReply> {
        debug_assert!(path.starts_with('/'), "paths are absolute within the site");
        let mut attempt = 1;
        loop {
            let payload = match body {
                Some(value) => Payload::Json(value),
                None => Payload::None,
            };
            let failure = match self.send_once(&method, path, query, payload).await {
                Ok(value) => return Ok(value),
                Err(failure) => failure,
            };
            let Some(delay) = retry_delay(&method, failure.transient, attempt) else {
                return Err(failure.reply);
            };
            log::warn!(
                "{method} {path} on {} failed ({}); retrying in {} ms (attempt {} of {MAX_ATTEMPTS})",
                self.api_url,
                failure.reply.name,
                delay.as_millis(),
                attempt + 1
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// Uploads one file as an issue attachment: multipart field `file`, with the
    /// `X-Atlassian-Token: no-check` header Jira requires against cross-site request
    /// forgery. Never retried, because a repeat would attach the file twice.
    pub async fn post_attachment(&self, path: &str, file_name: &str, mime: &str, bytes: Vec<u8>) -> Result<Value, ErrorReply> {
        let payload = Payload::File { file_name, mime, bytes };
        self.send_once(&Method::POST, path, &[], payload).await.map_err(|failure| failure.reply)
    }

    /// Sends the request once and classifies a failure as transient or not.
    async fn send_once(
        &self,
        method: &Method,
        path: &str,
        query: &[(&str, String)],
        payload: Payload<'_>,
    ) -> Result<Value, Failure> {
        let url = format!("{}{path}", self.api_url);

        let mut request = self
            .http
            .request(method.clone(), &url)
            .header(header::AUTHORIZATION, self.credentials.header_value())
            .header(header::ACCEPT, "application/json");
        if !query.is_empty() {
            request = request.query(query);
        }
        match payload {
            Payload::None => {}
            Payload::Json(body) => request = request.json(body),
            Payload::File { file_name, mime, bytes } => {
                let part = reqwest::multipart::Part::bytes(bytes)
                    .file_name(file_name.to_string())
                    .mime_str(mime)
                    .map_err(|error| Failure { reply: self.network_error(method, path, &error), transient: None })?;
                request = request.header("X-Atlassian-Token", "no-check").multipart(reqwest::multipart::Form::new().part("file", part));
            }
        }

        let started = std::time::Instant::now();
        let response = request.send().await.map_err(|error| Failure {
            reply: self.network_error(method, path, &error),
            // A refused connection never reached Jira, but a timeout or a cut response might have.
            transient: error.is_connect().then_some(Transient { retry_after: None }),
        })?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok());
        let location = response.headers().get(header::LOCATION).and_then(|value| value.to_str().ok()).map(str::to_string);
        let bytes = read_limited(response)
            .await
            .map_err(|error| Failure { reply: self.network_error(method, path, &error), transient: None })?;
        log::info!("{method} {path} -> {} in {} ms", status.as_u16(), started.elapsed().as_millis());

        if status.is_success() {
            if bytes.is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_slice(&bytes).map_err(|_| Failure {
                reply: ErrorReply::new(
                    ErrorCode::JiraUnavailable,
                    format!("{} answered {method} {path} with something that is not JSON. Check that the site URL is your Jira's address.", self.site_url),
                ),
                transient: None,
            });
        }
        let transient = matches!(status.as_u16(), 429 | 502 | 503 | 504).then_some(Transient { retry_after });
        Err(Failure { reply: self.status_error(status, method, path, &bytes, retry_after, location), transient })
    }

    fn network_error(&self, method: &Method, path: &str, error: &reqwest::Error) -> ErrorReply {
        let what = if error.is_timeout() {
            "timed out"
        } else if error.is_connect() {
            "could not connect"
        } else if error.is_body() || error.is_decode() {
            "the response could not be read"
        } else {
            "failed"
        };
        log::warn!("{method} {path} on {} {what}: {}", self.api_url, self.scrub(&error.to_string()));
        ErrorReply::new(
            ErrorCode::NetworkError,
            format!("The request to {} {what}. Check your network connection and the site URL, then try again.", self.request_target()),
        )
        .with_details(self.request_details(method, path))
    }

    /// Names the address requests go to for messages: the site, or the site and the
    /// gateway base, so that a failure of the gateway is not blamed on the site alone.
    fn request_target(&self) -> String {
        if self.api_url == self.site_url {
            self.site_url.clone()
        } else {
            format!("{} through {}", self.site_url, self.api_url)
        }
    }

    /// Returns the error details naming the site and the request, plus the gateway base
    /// when requests do not go to the site itself.
    fn request_details(&self, method: &Method, path: &str) -> Value {
        let mut details = json!({ "siteUrl": self.site_url, "request": format!("{method} {path}") });
        if self.api_url != self.site_url {
            details["apiUrl"] = json!(self.api_url);
        }
        details
    }

    fn status_error(
        &self,
        status: StatusCode,
        method: &Method,
        path: &str,
        body: &[u8],
        retry_after: Option<u64>,
        location: Option<String>,
    ) -> ErrorReply {
        let jira_messages = self.jira_messages(body);
        let summary = jira_messages.first().cloned();
        let details = json!({
            "status": status.as_u16(),
            "request": format!("{method} {path}"),
            "jiraMessages": jira_messages,
        });
        log::warn!("{method} {path} on {} returned {}: {}", self.api_url, status.as_u16(), summary.as_deref().unwrap_or("no message"));

        let site = &self.site_url;
        let (code, message) = match status.as_u16() {
            300..=399 => (
                ErrorCode::JiraRejected,
                format!(
                    "{site} redirected the request{}. The token is never sent on to another address: connect with the address Jira itself uses.",
                    location.map(|target| format!(" to {}", self.scrub(&target))).unwrap_or_default()
                ),
            ),
            401 => (
                ErrorCode::AuthenticationFailed,
                format!("{site} rejected the credentials. Check the email and create a new API token (or personal access token), then connect again."),
            ),
            403 => (
                ErrorCode::PermissionDenied,
                summary.unwrap_or_else(|| format!("{site} does not allow this account to do that. Ask your Jira administrator for the permission.")),
            ),
            404 => (
                ErrorCode::NotFound,
                summary.unwrap_or_else(|| format!("{site} found nothing at {path}. It may have been deleted or you may not have access to it.")),
            ),
            429 => (
                ErrorCode::RateLimited,
                match retry_after {
                    Some(seconds) => format!("{site} is limiting requests. Try again in {seconds} seconds."),
                    None => format!("{site} is limiting requests. Wait a minute and try again."),
                },
            ),
            400..=499 => (
                ErrorCode::JiraRejected,
                summary.unwrap_or_else(|| format!("{site} refused the request ({}).", status.as_u16())),
            ),
            _ => (
                ErrorCode::JiraUnavailable,
                format!("{site} answered with a server error ({}). Try again later.", status.as_u16()),
            ),
        };
        let mut details = details;
        if let Some(seconds) = retry_after {
            details["retryAfterSeconds"] = json!(seconds);
        }
        ErrorReply::new(code, message).with_details(details)
    }

    /// Collects Jira's `errorMessages` and `errors` in readable form, scrubbed of the token.
    fn jira_messages(&self, body: &[u8]) -> Vec<String> {
        let Ok(value) = serde_json::from_slice::<Value>(body) else {
            return Vec::new();
        };
        let mut messages: Vec<String> = value["errorMessages"]
            .as_array()
            .map(|items| items.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        if let Some(errors) = value["errors"].as_object() {
            for (field, message) in errors {
                if let Some(message) = message.as_str() {
                    messages.push(format!("{field}: {message}"));
                }
            }
        }
        messages.iter().map(|message| self.scrub(message)).map(|message| truncate(&message, 500)).collect()
    }

    /// Replaces every form of the token in text from Jira or from the network stack.
    fn scrub(&self, text: &str) -> String {
        let mut clean = text.to_string();
        for form in self.credentials.leak_forms() {
            clean = clean.replace(&form, "<redacted>");
        }
        clean
    }
}

/// A failed attempt: the error for the popup and, when repeating could succeed, the
/// `Retry-After` Jira sent.
struct Failure {
    reply: ErrorReply,
    transient: Option<Transient>,
}

/// A failure that may pass: Jira was busy or unreachable, not wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Transient {
    /// Seconds from Jira's `Retry-After` header, when it sent one as a number.
    retry_after: Option<u64>,
}

/// Returns how long to wait before attempt `attempt + 1`, or `None` when the request must
/// not be repeated: it is not a GET, the failure is not transient, the attempts are used
/// up, or Jira asked for a pause longer than [`MAX_RETRY_AFTER_SECS`].
fn retry_delay(method: &Method, transient: Option<Transient>, attempt: u32) -> Option<Duration> {
    if *method != Method::GET || attempt >= MAX_ATTEMPTS {
        return None;
    }
    match transient?.retry_after {
        Some(seconds) if seconds > MAX_RETRY_AFTER_SECS => None,
        Some(seconds) => Some(Duration::from_secs(seconds)),
        None => Some(FIRST_BACKOFF * 2u32.pow(attempt - 1)),
    }
}

/// Reads a response body up to [`MAX_RESPONSE_BYTES`].
async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
            log::warn!("a Jira response exceeded {MAX_RESPONSE_BYTES} bytes; the rest was dropped");
            break;
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max_chars).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUSY: Option<Transient> = Some(Transient { retry_after: None });

    #[test]
    fn retry_only_get() {
        for method in [Method::POST, Method::PUT, Method::DELETE] {
            assert_eq!(retry_delay(&method, BUSY, 1), None, "{method} must not be repeated");
        }
        assert_eq!(retry_delay(&Method::GET, BUSY, 1), Some(FIRST_BACKOFF), "a busy GET should be retried");
    }

    #[test]
    fn retry_backoff_doubles_then_stops() {
        assert_eq!(retry_delay(&Method::GET, BUSY, 2), Some(FIRST_BACKOFF * 2));
        assert_eq!(retry_delay(&Method::GET, BUSY, MAX_ATTEMPTS), None, "the last attempt should not be repeated");
    }

    #[test]
    fn retry_after_honoured_up_to_cap() {
        let short = Some(Transient { retry_after: Some(2) });
        let long = Some(Transient { retry_after: Some(MAX_RETRY_AFTER_SECS + 1) });

        assert_eq!(retry_delay(&Method::GET, short, 1), Some(Duration::from_secs(2)));
        assert_eq!(retry_delay(&Method::GET, long, 1), None, "a long Retry-After goes back to the person");
    }

    #[test]
    fn retry_not_for_lasting_errors() {
        assert_eq!(retry_delay(&Method::GET, None, 1), None);
    }
}
