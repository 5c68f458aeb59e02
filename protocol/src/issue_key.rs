//! Finding Jira issue keys on the page the person is looking at: in its URL, its title and
//! the text they selected. Pure functions, so the popup and the host agree on what a key is.
//!
//! A key is a project key, a hyphen and an issue number: `WEB-12`, `AB2-7`,
//! `PRODUCT_2013-5`. The project part starts with an uppercase letter, has at least two
//! characters and may contain digits and underscores, as Jira allows when an administrator
//! widens the default project key pattern.

use serde::{Deserialize, Serialize};

/// Where on the page a key was found. The order of the variants is the order of trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum KeySource {
    /// The text the person selected.
    Selection,
    /// A Jira page for the issue: `/browse/KEY-1`, `selectedIssue=KEY-1` or a path segment
    /// that is the key.
    JiraUrl,
    /// A branch name in a GitHub or GitLab URL, such as `/tree/feature/KEY-1-login`.
    BranchUrl,
    /// The page title, which on GitHub and GitLab carries the pull request title.
    Title,
}

/// A key found on the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DetectedKey {
    pub key: String,
    pub source: KeySource,
}

/// Maximum issue number length accepted, in digits. The cap keeps build stamps such as
/// `BUILD-20240101123456` out.
const MAX_NUMBER_DIGITS: usize = 9;

/// Maximum project key length Jira allows, in characters.
const MAX_PROJECT_KEY_CHARS: usize = 255;

/// Prefixes of well-known identifiers that look like issue keys in free text (`UTF-8`,
/// `SHA-256`, `ISO-8859-1`, `CVE-2024-1234`). URL sources skip this list, because a Jira
/// URL names the key explicitly.
const NOT_PROJECT_KEYS: &[&str] = &["UTF", "ISO", "SHA", "CVE", "COVID", "RFC", "TLS", "SSL", "HTTP", "IEEE", "ECMA", "ASCII"];

/// Query parameters that carry an issue key on Jira's boards, backlogs and issue navigator.
const KEY_PARAMETERS: &[&str] = &["selectedIssue", "issueKey", "issue"];

/// Path segments after which GitHub and GitLab put a branch name.
const BRANCH_MARKERS: &[&str] = &["tree", "compare", "commits", "commit", "blob", "branches"];

/// Query parameters in which GitLab names a branch.
const BRANCH_PARAMETERS: &[&str] = &["merge_request[source_branch]", "source_branch", "ref", "branch"];

/// Finds issue keys on a page, most trusted first, each key once.
///
/// The selection comes first because selecting text is the clearest statement of intent,
/// then the URL (a Jira page of the issue, then a branch name), then the title.
pub fn detect_issue_keys(url: &str, title: &str, selection: &str) -> Vec<DetectedKey> {
    let mut found: Vec<DetectedKey> = Vec::new();
    let mut add = |keys: Vec<String>, source: KeySource| {
        for key in keys {
            if !found.iter().any(|existing| existing.key == key) {
                found.push(DetectedKey { key, source });
            }
        }
    };

    add(keys_in_text(selection), KeySource::Selection);
    let parts = UrlParts::parse(url);
    add(keys_in_jira_url(&parts), KeySource::JiraUrl);
    add(keys_in_branch_url(&parts), KeySource::BranchUrl);
    add(keys_in_text(title), KeySource::Title);
    found
}

/// Returns whether `text` is exactly one issue key, such as `AB2-12`.
pub fn is_issue_key(text: &str) -> bool {
    match match_key_at(text.as_bytes(), 0) {
        Some(end) => end == text.len(),
        None => false,
    }
}

/// Returns the project part of a key (`AB2` for `AB2-12`), or `None` for a non-key.
pub fn project_of_key(key: &str) -> Option<&str> {
    if !is_issue_key(key) {
        return None;
    }
    key.rsplit_once('-').map(|(project, _)| project)
}

/// Finds every issue key in free text, in order, skipping identifiers such as `UTF-8`.
pub fn keys_in_text(text: &str) -> Vec<String> {
    scan(text).into_iter().filter(|key| !is_well_known_identifier(key)).collect()
}

fn is_well_known_identifier(key: &str) -> bool {
    let project = key.rsplit_once('-').map(|(project, _)| project).unwrap_or(key);
    NOT_PROJECT_KEYS.contains(&project)
}

/// Finds every key-shaped substring with a word boundary on both sides.
fn scan(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut keys = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        let starts_word = index == 0 || !is_word_byte(bytes[index - 1]);
        if starts_word && bytes[index].is_ascii_uppercase() {
            if let Some(end) = match_key_at(bytes, index) {
                let ends_word = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
                if ends_word {
                    keys.push(text[index..end].to_string());
                    index = end;
                    continue;
                }
            }
        }
        index += 1;
    }
    keys
}

/// Matches `PROJECT-NUMBER` starting at `start` and returns the end of the number. The
/// match is greedy and ignores what follows, which the caller checks.
fn match_key_at(bytes: &[u8], start: usize) -> Option<usize> {
    if !bytes.get(start)?.is_ascii_uppercase() {
        return None;
    }
    let mut index = start + 1;
    while index < bytes.len() && (bytes[index].is_ascii_uppercase() || bytes[index].is_ascii_digit() || bytes[index] == b'_') {
        index += 1;
    }
    let project_length = index - start;
    if project_length < 2 || project_length > MAX_PROJECT_KEY_CHARS || bytes.get(index) != Some(&b'-') {
        return None;
    }

    let number_start = index + 1;
    let mut end = number_start;
    while end < bytes.len() && bytes[end].is_ascii_digit() {
        end += 1;
    }
    let digits = end - number_start;
    if digits == 0 || digits > MAX_NUMBER_DIGITS || bytes[number_start] == b'0' {
        return None;
    }
    Some(end)
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Keys that a Jira URL names: `/browse/KEY-1` (any case, because Jira accepts it),
/// `selectedIssue=KEY-1`, and path segments that are exactly a key, as in
/// `/projects/WEB/issues/WEB-1` or the Cloud issue navigator's `/issues/WEB-1`.
fn keys_in_jira_url(parts: &UrlParts) -> Vec<String> {
    let mut keys = Vec::new();
    let segments = &parts.segments;
    for (index, segment) in segments.iter().enumerate() {
        let after_browse = index > 0 && segments[index - 1] == "browse";
        if after_browse && is_issue_key(&segment.to_ascii_uppercase()) {
            keys.push(segment.to_ascii_uppercase());
        } else if is_issue_key(segment) {
            keys.push(segment.clone());
        }
    }
    for (name, value) in &parts.query {
        if KEY_PARAMETERS.contains(&name.as_str()) && is_issue_key(&value.trim().to_ascii_uppercase()) {
            keys.push(value.trim().to_ascii_uppercase());
        }
    }
    keys
}

/// Keys in the branch names of GitHub and GitLab URLs: the path after `tree`, `compare`,
/// `commits` and similar segments, and GitLab's `source_branch` query parameters.
fn keys_in_branch_url(parts: &UrlParts) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(position) = parts.segments.iter().position(|segment| BRANCH_MARKERS.contains(&segment.as_str())) {
        let branch = parts.segments[position + 1..].join("/");
        keys.extend(keys_in_text(&branch));
    }
    for (name, value) in &parts.query {
        if BRANCH_PARAMETERS.contains(&name.as_str()) {
            keys.extend(keys_in_text(value));
        }
    }
    keys
}

/// The parts of a URL that key detection reads: decoded path segments and query pairs.
/// A small parser, so the protocol crate needs no URL library; anything unparsable
/// yields no parts.
struct UrlParts {
    segments: Vec<String>,
    query: Vec<(String, String)>,
}

impl UrlParts {
    fn parse(url: &str) -> UrlParts {
        let url = url.trim();
        let without_fragment = url.split('#').next().unwrap_or("");
        let Some((_, rest)) = without_fragment.split_once("://") else {
            return UrlParts { segments: Vec::new(), query: Vec::new() };
        };
        let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
        let path = location.find('/').map(|slash| &location[slash..]).unwrap_or("");

        let segments = path.split('/').filter(|segment| !segment.is_empty()).map(percent_decode).collect();
        let query = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (percent_decode(&name.replace('+', " ")), percent_decode(&value.replace('+', " ")))
            })
            .collect();
        UrlParts { segments, query }
    }
}

/// Decodes `%XX` escapes; invalid escapes and invalid UTF-8 are kept as they are.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escape = (bytes[index] == b'%')
            .then(|| text.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escape {
            Some(byte) => {
                decoded.push(byte);
                index += 3;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8(decoded).unwrap_or_else(|_| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(url: &str, title: &str, selection: &str) -> Vec<String> {
        detect_issue_keys(url, title, selection).into_iter().map(|found| found.key).collect()
    }

    #[test]
    fn key_shapes_accepted() {
        for key in ["WEB-1", "AB2-12", "PRODUCT_2013-5", "A1-9", "X_Y-123456789"] {
            assert!(is_issue_key(key), "{key} should be an issue key");
        }
    }

    #[test]
    fn key_shapes_rejected() {
        for text in ["", "W-1", "web-1", "WEB-", "WEB-0", "WEB-01", "2AB-1", "WEB1", "WEB-1a", "WEB--1", "WEB-1234567890", " WEB-1", "_AB-1"] {
            assert!(!is_issue_key(text), "{text:?} should not be an issue key");
        }
    }

    #[test]
    fn project_part_of_key() {
        assert_eq!(project_of_key("PRODUCT_2013-5"), Some("PRODUCT_2013"));
        assert_eq!(project_of_key("nope"), None);
    }

    #[test]
    fn keys_with_digits_in_project_part() {
        assert_eq!(keys("", "AB2-12 and PRODUCT_2013-5 fixed", ""), vec!["AB2-12", "PRODUCT_2013-5"]);
    }

    #[test]
    fn browse_url_with_context_path() {
        assert_eq!(keys("https://jira.example.com/jira/browse/WEB-42?focusedCommentId=1", "", ""), vec!["WEB-42"]);
    }

    #[test]
    fn browse_url_lowercase_key_uppercased() {
        assert_eq!(keys("https://example.atlassian.net/browse/web-42", "", ""), vec!["WEB-42"]);
    }

    #[test]
    fn board_selected_issue_parameter() {
        let url = "https://example.atlassian.net/jira/software/projects/WEB/boards/1?selectedIssue=WEB-7&quickFilter=3";

        assert_eq!(keys(url, "", ""), vec!["WEB-7"]);
    }

    #[test]
    fn search_url_with_encoded_jql() {
        let url = "https://jira.example.com/issues/?jql=project%20%3D%20OPS&selectedIssue=OPS-3";

        assert_eq!(keys(url, "", ""), vec!["OPS-3"], "keys in the JQL itself are not the page's issue");
    }

    #[test]
    fn cloud_issue_navigator_path() {
        assert_eq!(keys("https://example.atlassian.net/issues/AB2-12?jql=order%20by%20created", "", ""), vec!["AB2-12"]);
        assert_eq!(keys("https://example.atlassian.net/jira/servicedesk/projects/SD/queues/custom/1/SD-4", "", ""), vec!["SD-4"]);
    }

    #[test]
    fn github_pull_request_title() {
        let title = "WEB-12: Fix the login redirect by octocat · Pull Request #42 · acme/shop · GitHub";

        let found = detect_issue_keys("https://github.com/acme/shop/pull/42", title, "");

        assert_eq!(found, vec![DetectedKey { key: "WEB-12".into(), source: KeySource::Title }]);
    }

    #[test]
    fn github_branch_in_tree_url() {
        let found = detect_issue_keys("https://github.com/acme/shop/tree/feature/OPS-9-disk-alerts", "acme/shop", "");

        assert_eq!(found, vec![DetectedKey { key: "OPS-9".into(), source: KeySource::BranchUrl }]);
    }

    #[test]
    fn github_compare_url() {
        assert_eq!(keys("https://github.com/acme/shop/compare/main...WEB-3-cart?expand=1", "", ""), vec!["WEB-3"]);
    }

    #[test]
    fn gitlab_merge_request_title_and_branch() {
        let title = "AB2-5 Retry uploads (!17) · Merge requests · acme / shop · GitLab";
        let url = "https://gitlab.example.com/acme/shop/-/merge_requests/new?merge_request%5Bsource_branch%5D=AB2-6-retry";

        assert_eq!(keys(url, title, ""), vec!["AB2-6", "AB2-5"], "the branch in the URL comes before the title");
        assert_eq!(keys("https://gitlab.com/acme/shop/-/tree/bugfix/WEB-8_typo", "", ""), vec!["WEB-8"]);
    }

    #[test]
    fn selection_comes_first() {
        let found = detect_issue_keys("https://example.atlassian.net/browse/WEB-1", "WEB-1 title", "see OPS-2 and WEB-1");

        assert_eq!(found[0], DetectedKey { key: "OPS-2".into(), source: KeySource::Selection });
        assert_eq!(found[1], DetectedKey { key: "WEB-1".into(), source: KeySource::Selection });
        assert_eq!(found.len(), 2, "WEB-1 is listed once: {found:?}");
    }

    #[test]
    fn well_known_identifiers_skipped() {
        let text = "Encoding UTF-8, hash SHA-256, charset ISO-8859-1, advisory CVE-2024-1234, RFC-2616";

        assert_eq!(keys("", text, ""), Vec::<String>::new());
    }

    #[test]
    fn word_boundaries_respected() {
        let text = "xWEB-1 WEB-1x WEB-12.5 (OPS-3) [AB2-4], ops-5, WEB-1b";

        assert_eq!(keys("", text, ""), vec!["WEB-12", "OPS-3", "AB2-4"]);
    }

    #[test]
    fn title_with_newlines_and_non_ascii() {
        assert_eq!(keys("", "Über\nWEB-77 — Größe\tOPS-1", ""), vec!["WEB-77", "OPS-1"]);
    }

    #[test]
    fn url_without_scheme_or_garbage() {
        assert_eq!(keys("not a url", "", ""), Vec::<String>::new());
        assert_eq!(keys("https://example.com/%E0%A4%A/browse/%ZZ", "", ""), Vec::<String>::new());
        assert_eq!(keys("", "", ""), Vec::<String>::new());
    }

    #[test]
    fn github_pull_request_url_has_no_key() {
        assert_eq!(keys("https://github.com/acme/shop/pull/3", "", ""), Vec::<String>::new());
    }
}
