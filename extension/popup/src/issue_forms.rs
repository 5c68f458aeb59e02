//! The forms of the issue view (comment, log work) and the requests built from them.

use crate::FieldError;
use jira_bridge_protocol::{parse_jira_duration, RemainingEstimate, Request, MAX_WORKLOG_SECONDS};

/// Longest text Jira stores in a comment, description or other text field: its default
/// `jira.text.field.character.limit` is 32,767 characters.
pub const MAX_TEXT_CHARS: usize = 32_767;

/// Checks a comment and builds `addComment`.
pub fn comment_request(site_url: &str, key: &str, body: &str) -> Result<Request, FieldError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(FieldError::new("comment-body", "Write the comment first."));
    }
    check_text_length("comment-body", "The comment", body)?;
    Ok(Request::AddComment {
        site_url: Some(site_url.to_string()),
        key: key.to_string(),
        body: body.to_string(),
    })
}

/// Rejects text longer than Jira stores, naming the input and the counts.
pub fn check_text_length(field: &str, what: &str, text: &str) -> Result<(), FieldError> {
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(FieldError::new(
            field,
            format!("{what} has {chars} characters; Jira stores at most {MAX_TEXT_CHARS}. Shorten it by {}.", chars - MAX_TEXT_CHARS),
        ));
    }
    Ok(())
}

/// The log-work form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorklogForm {
    /// Jira notation, such as `1h 30m`.
    pub time_spent: String,
    /// Value of a `datetime-local` input (`2025-01-31T09:15`); empty means now.
    pub started: String,
    /// The browser's offset from UTC for that local time, in minutes east of UTC (the
    /// negated result of `Date.getTimezoneOffset`).
    pub utc_offset_minutes: i32,
    pub comment: String,
    /// `auto`, `leave` or `new`.
    pub estimate_mode: String,
    /// The new remaining estimate when `estimate_mode` is `new`.
    pub new_estimate: String,
}

impl WorklogForm {
    /// Checks the form and builds `logWork`.
    pub fn to_request(&self, site_url: &str, key: &str) -> Result<Request, FieldError> {
        let time_spent = parse_jira_duration(&self.time_spent)
            .map_err(|message| FieldError::new("worklog-time", message))?;
        if time_spent.seconds > MAX_WORKLOG_SECONDS {
            return Err(FieldError::new(
                "worklog-time",
                format!("{} is more than four working weeks; enter it as several worklogs, or check for a typo.", time_spent.text),
            ));
        }

        let started = self.started.trim();
        let started = if started.is_empty() {
            None
        } else {
            Some(rfc3339_from_local(started, self.utc_offset_minutes).ok_or_else(|| {
                FieldError::new("worklog-started", format!("The start time {started:?} is invalid; pick a date and time."))
            })?)
        };

        let comment = self.comment.trim();
        check_text_length("worklog-comment", "The worklog comment", comment)?;

        let remaining_estimate = match self.estimate_mode.as_str() {
            "" | "auto" => RemainingEstimate::Auto,
            "leave" => RemainingEstimate::Leave,
            "new" => {
                if self.new_estimate.trim() == "0m" || self.new_estimate.trim() == "0" {
                    RemainingEstimate::New { value: "0m".into() }
                } else {
                    let estimate = parse_jira_duration(&self.new_estimate)
                        .map_err(|message| FieldError::new("worklog-new-estimate", message.replace("time spent", "new estimate")))?;
                    RemainingEstimate::New { value: estimate.text }
                }
            }
            other => {
                return Err(FieldError::new("worklog-estimate", format!("Unknown estimate choice {other:?}; choose one from the list.")))
            }
        };

        Ok(Request::LogWork {
            site_url: Some(site_url.to_string()),
            key: key.to_string(),
            time_spent: time_spent.text,
            started,
            comment: (!comment.is_empty()).then(|| comment.to_string()),
            remaining_estimate,
        })
    }
}

/// Turns `yyyy-mm-ddThh:mm` (seconds optional) and an offset east of UTC into RFC 3339,
/// such as `2025-01-31T09:15:00+01:00`. Returns `None` for any other shape.
pub fn rfc3339_from_local(local: &str, utc_offset_minutes: i32) -> Option<String> {
    let (date, time) = local.split_once('T')?;
    let date_ok = date.len() == 10
        && date.char_indices().all(|(index, c)| if index == 4 || index == 7 { c == '-' } else { c.is_ascii_digit() });
    let month: u8 = date.get(5..7)?.parse().ok()?;
    let day: u8 = date.get(8..10)?.parse().ok()?;
    if !date_ok || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }

    let mut parts = time.split(':');
    let hour: u8 = parts.next()?.parse().ok()?;
    let minute: u8 = parts.next()?.parse().ok()?;
    let second: u8 = match parts.next() {
        Some(second) => second.split('.').next()?.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    if utc_offset_minutes.abs() > 18 * 60 {
        return None;
    }

    let sign = if utc_offset_minutes < 0 { '-' } else { '+' };
    let offset = utc_offset_minutes.unsigned_abs();
    Some(format!(
        "{date}T{hour:02}:{minute:02}:{second:02}{sign}{:02}:{:02}",
        offset / 60,
        offset % 60
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(time: &str) -> WorklogForm {
        WorklogForm {
            time_spent: time.into(),
            started: "2025-01-31T09:15".into(),
            utc_offset_minutes: 60,
            comment: " fixed it ".into(),
            estimate_mode: "auto".into(),
            new_estimate: String::new(),
        }
    }

    #[test]
    fn worklog_request_built() {
        let request = form("1h30m").to_request("https://a.example", "WEB-1").unwrap();

        assert_eq!(
            request,
            Request::LogWork {
                site_url: Some("https://a.example".into()),
                key: "WEB-1".into(),
                time_spent: "1h 30m".into(),
                started: Some("2025-01-31T09:15:00+01:00".into()),
                comment: Some("fixed it".into()),
                remaining_estimate: RemainingEstimate::Auto,
            }
        );
    }

    #[test]
    fn worklog_estimate_choices() {
        let leave = WorklogForm { estimate_mode: "leave".into(), ..form("15m") };
        let new = WorklogForm { estimate_mode: "new".into(), new_estimate: "2H".into(), ..form("15m") };
        let bad = WorklogForm { estimate_mode: "new".into(), new_estimate: "soon".into(), ..form("15m") };

        let estimate = |request: Request| match request {
            Request::LogWork { remaining_estimate, .. } => remaining_estimate,
            other => panic!("expected logWork, got {other:?}"),
        };
        assert_eq!(estimate(leave.to_request("s", "K-1").unwrap()), RemainingEstimate::Leave);
        assert_eq!(estimate(new.to_request("s", "K-1").unwrap()), RemainingEstimate::New { value: "2h".into() });
        assert_eq!(bad.to_request("s", "K-1").unwrap_err().field, "worklog-new-estimate");
    }

    #[test]
    fn worklog_rejects_bad_time() {
        for (time, expected) in [("", "Enter the time spent"), ("90", "without a unit"), ("5w", "four working weeks")] {
            let error = form(time).to_request("s", "K-1").unwrap_err();
            assert_eq!(error.field, "worklog-time");
            assert!(error.message.contains(expected), "{time:?}: {}", error.message);
        }
    }

    #[test]
    fn worklog_empty_start_means_now() {
        let request = WorklogForm { started: String::new(), ..form("15m") }.to_request("s", "K-1").unwrap();

        assert!(matches!(request, Request::LogWork { started: None, .. }));
    }

    #[test]
    fn local_time_to_rfc3339() {
        assert_eq!(rfc3339_from_local("2025-01-31T09:15", -330).as_deref(), Some("2025-01-31T09:15:00-05:30"));
        assert_eq!(rfc3339_from_local("2025-01-31T09:15:07", 0).as_deref(), Some("2025-01-31T09:15:07+00:00"));
        for bad in ["2025-01-31", "2025-1-31T09:15", "2025-01-31T24:00", "2025-13-01T09:15", "x", "2025-01-31T09:15:00:00"] {
            assert_eq!(rfc3339_from_local(bad, 0), None, "{bad:?} should be rejected");
        }
    }

    #[test]
    fn comment_checked() {
        assert_eq!(comment_request("s", "K-1", " \n ").unwrap_err().field, "comment-body");
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        assert!(comment_request("s", "K-1", &long).unwrap_err().message.contains("Shorten it by 1"));
        assert!(matches!(comment_request("s", "K-1", " hi ").unwrap(), Request::AddComment { body, .. } if body == "hi"));
    }
}
