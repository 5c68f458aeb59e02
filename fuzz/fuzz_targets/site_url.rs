//! Fuzzes the normaliser of pasted site URLs: it must never panic, and an accepted URL
//! must be a bare https base (http only for loopback with the test setting) that
//! normalises to itself.

#![no_main]

use jira_bridge_host::jira::site_url::normalize_site_url;
use libfuzzer_sys::fuzz_target;

/// Upper bound on an error message; the echoed input is cut to 200 characters.
const MAX_MESSAGE_CHARS: usize = 1_000;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let allow_http_loopback = input.len() % 2 == 0;

    match normalize_site_url(input, allow_http_loopback) {
        Ok(base) => {
            let is_https = base.starts_with("https://");
            assert!(is_https || (allow_http_loopback && base.starts_with("http://")), "scheme of {base:?} from {input:?}");
            assert!(!base.ends_with('/'), "{base:?} ends with a slash");
            assert!(!base.contains('?'), "{base:?} kept a query");
            assert!(!base.contains('#'), "{base:?} kept a fragment");
            let authority = base.split("://").nth(1).unwrap_or("").split('/').next().unwrap_or("");
            assert!(!authority.contains('@'), "{base:?} kept a user name");

            let again = normalize_site_url(&base, allow_http_loopback);
            assert_eq!(again.as_ref().ok(), Some(&base), "{base:?} from {input:?} did not normalise to itself: {again:?}");
        }
        Err(error) => {
            let length = error.message.chars().count();
            assert!(length <= MAX_MESSAGE_CHARS, "a message of {length} characters for {} input bytes", data.len());
        }
    }
});
