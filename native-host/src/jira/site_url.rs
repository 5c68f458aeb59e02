//! Turns what a person pastes as their Jira site into the site's base URL.
//!
//! People paste an issue link (`https://x.atlassian.net/browse/WEB-1`), a board, a
//! trailing slash or stray whitespace; Data Center sites may live under a context path
//! such as `https://jira.example.com/jira`. The base URL is what every REST path is
//! appended to and the key under which the token is stored.

use jira_bridge_protocol::{ErrorCode, ErrorReply};
use url::{Host, Url};

/// Environment variable that allows plain http to loopback sites. Only the test suite and
/// the local sandbox set it; real sites always need https.
pub const ALLOW_HTTP_LOOPBACK_ENV: &str = "JIRA_BRIDGE_ALLOW_HTTP_LOOPBACK";

/// Path segments where Jira's web pages start; everything from them on is not part of
/// the base URL.
const PAGE_SEGMENTS: &[&str] = &[
    "browse",
    "secure",
    "projects",
    "issues",
    "rest",
    "plugins",
    "servicedesk",
    "login.jsp",
    "Dashboard.jspa",
];

/// Segments after `/jira/` that belong to Cloud's newer web pages (`/jira/software/...`).
const CLOUD_PAGE_SEGMENTS: &[&str] =
    &["software", "core", "servicedesk", "your-work", "for-you", "dashboards", "projects", "people", "filters", "boards", "plans"];

/// Returns whether plain http to loopback is allowed by the explicit test setting.
pub fn http_loopback_allowed() -> bool {
    std::env::var(ALLOW_HTTP_LOOPBACK_ENV).map(|value| value == "1").unwrap_or(false)
}

/// Normalises a pasted site URL into a base URL without a trailing slash.
pub fn normalize_site_url(input: &str, allow_http_loopback: bool) -> Result<String, ErrorReply> {
    let shown = crate::text::shorten(input.trim(), 200);
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(invalid(input, "The site URL is empty. Enter your Jira address, for example https://your-company.atlassian.net."));
    }
    let with_scheme =
        if trimmed.contains("://") { trimmed.to_string() } else { format!("https://{trimmed}") };

    let mut url = Url::parse(&with_scheme).map_err(|error| {
        invalid(input, &format!("\"{shown}\" is not a valid URL ({error}). Enter your Jira address, for example https://your-company.atlassian.net."))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        // No details here: the input contains a password that must not be echoed back.
        return Err(ErrorReply::new(
            ErrorCode::InvalidSiteUrl,
            "The site URL must not contain a user name or password. Enter only the address, and the token in its own field.",
        ));
    }
    let Some(host) = url.host() else {
        return Err(invalid(input, "The site URL has no host name. Enter your Jira address, for example https://your-company.atlassian.net."));
    };

    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&host) && allow_http_loopback => {}
        "http" if is_loopback(&host) => {
            return Err(ErrorReply::new(
                ErrorCode::InsecureSiteUrl,
                format!("Plain http is allowed only for a local test site, and only when {ALLOW_HTTP_LOOPBACK_ENV}=1 is set for the native host."),
            )
            .with_details(serde_json::json!({ "siteUrl": shown })));
        }
        "http" => {
            return Err(ErrorReply::new(
                ErrorCode::InsecureSiteUrl,
                "The site URL uses plain http, which would send your token unencrypted. Use the https address of your Jira site.",
            )
            .with_details(serde_json::json!({ "siteUrl": shown })));
        }
        other => {
            return Err(invalid(input, &format!("The site URL must start with https://, not {other}://.")));
        }
    }

    let is_cloud = url.host_str().is_some_and(|name| name.ends_with(".atlassian.net") || name.ends_with(".jira.com"));
    let segments: Vec<String> = url.path_segments().map(|parts| parts.map(str::to_string).collect()).unwrap_or_default();
    let base_segments = if is_cloud { Vec::new() } else { base_path(&segments) };

    url.set_query(None);
    url.set_fragment(None);
    url.set_path(&base_segments.join("/"));

    let mut base = url.to_string();
    while base.ends_with('/') {
        base.pop();
    }
    Ok(base)
}

/// Keeps the context path and drops the page part of a path.
fn base_path(segments: &[String]) -> Vec<String> {
    let mut base = Vec::new();
    for (index, segment) in segments.iter().enumerate() {
        if segment.is_empty() || PAGE_SEGMENTS.contains(&segment.as_str()) || segment.ends_with(".jspa") {
            break;
        }
        let next = segments.get(index + 1).map(String::as_str).unwrap_or("");
        if segment == "jira" && CLOUD_PAGE_SEGMENTS.contains(&next) {
            break;
        }
        base.push(segment.clone());
    }
    base
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => *name == "localhost",
        Host::Ipv4(address) => address.is_loopback(),
        Host::Ipv6(address) => address.is_loopback(),
    }
}

fn invalid(input: &str, message: &str) -> ErrorReply {
    ErrorReply::new(ErrorCode::InvalidSiteUrl, message).with_details(serde_json::json!({ "siteUrl": crate::text::shorten(input.trim(), 200) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalize(input: &str) -> String {
        normalize_site_url(input, false).unwrap_or_else(|error| panic!("{input:?} was rejected: {error}"))
    }

    #[test]
    fn pasted_urls_become_base_urls() {
        let cases = [
            ("https://acme.atlassian.net", "https://acme.atlassian.net"),
            ("  https://acme.atlassian.net/ \n", "https://acme.atlassian.net"),
            ("acme.atlassian.net", "https://acme.atlassian.net"),
            ("https://acme.atlassian.net/browse/WEB-12", "https://acme.atlassian.net"),
            ("https://acme.atlassian.net/jira/software/projects/WEB/boards/1", "https://acme.atlassian.net"),
            ("https://acme.atlassian.net/issues/?jql=project%3DWEB", "https://acme.atlassian.net"),
            ("https://jira.example.com/jira/", "https://jira.example.com/jira"),
            ("https://jira.example.com/jira/browse/AB2-12", "https://jira.example.com/jira"),
            ("https://jira.example.com/jira/secure/Dashboard.jspa", "https://jira.example.com/jira"),
            ("https://jira.example.com:8443/", "https://jira.example.com:8443"),
            ("https://jira.example.com/browse/OPS-1?focusedCommentId=3#c", "https://jira.example.com"),
        ];

        for (input, expected) in cases {
            assert_eq!(normalize(input), expected, "normalising {input:?}");
        }
    }

    #[test]
    fn plain_http_rejected_for_real_sites() {
        let error = normalize_site_url("http://jira.example.com", true).unwrap_err();

        assert_eq!(error.code, ErrorCode::InsecureSiteUrl);
    }

    #[test]
    fn plain_http_loopback_needs_setting() {
        let refused = normalize_site_url("http://127.0.0.1:8089/", false).unwrap_err();
        let allowed = normalize_site_url("http://127.0.0.1:8089/", true).unwrap();

        assert_eq!(refused.code, ErrorCode::InsecureSiteUrl);
        assert_eq!(allowed, "http://127.0.0.1:8089");
    }

    #[test]
    fn credentials_in_url_rejected() {
        let error = normalize_site_url("https://me:secret@acme.atlassian.net", false).unwrap_err();

        assert_eq!(error.code, ErrorCode::InvalidSiteUrl);
        let reply = serde_json::to_string(&error).unwrap();
        assert!(!reply.contains("secret"), "the error repeated the password: {reply}");
    }

    #[test]
    fn empty_and_garbage_rejected() {
        for input in ["", "   ", "https://", "ftp://jira.example.com"] {
            let error = normalize_site_url(input, false).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidSiteUrl, "input {input:?}");
        }
    }
}
