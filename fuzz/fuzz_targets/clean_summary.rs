//! Fuzzes the summary cleaner: it must never panic, and an accepted summary must be one
//! line of at most 255 characters without line breaks or runs of spaces, unchanged by a second pass.

#![no_main]

use jira_bridge_host::actions::create_issue::{clean_summary, MAX_SUMMARY_CHARS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };

    let Ok(summary) = clean_summary(raw) else {
        assert!(raw.trim().is_empty(), "a summary with text was rejected: {raw:?}");
        return;
    };

    let text = &summary.text;
    assert!(!text.is_empty(), "an accepted summary is empty");
    assert!(text.chars().count() <= MAX_SUMMARY_CHARS, "{} characters", text.chars().count());
    assert!(!text.contains(['\n', '\r', '\t']), "a line break or tab is left in {text:?}");
    assert!(!text.contains("  "), "a run of spaces is left in {text:?}");
    assert_eq!(text.trim(), text, "whitespace is left at an end of {text:?}");
    let collapsed_chars = raw.split_whitespace().collect::<Vec<_>>().join(" ").chars().count();
    assert_eq!(summary.truncated, collapsed_chars > MAX_SUMMARY_CHARS, "truncated flag for {collapsed_chars} characters");

    let again = clean_summary(text).expect("a cleaned summary is accepted");
    assert_eq!(&again.text, text, "a second pass changed the summary");
    assert!(!again.truncated, "a second pass cut the summary");
});
