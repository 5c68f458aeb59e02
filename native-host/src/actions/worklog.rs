//! Logging work: time spent in Jira notation, checked before sending, a start time, an
//! optional comment and what happens to the remaining estimate.

use jira_bridge_protocol::{parse_jira_duration, Deployment, ErrorCode, ErrorReply, RemainingEstimate, Response, MAX_WORKLOG_SECONDS};
use reqwest::Method;
use serde_json::{json, Value};

use crate::actions::issue::{checked_key, not_found_names_key};
use crate::host::Host;
use crate::jira::adf;
use crate::text::shorten;

#[allow(clippy::too_many_arguments)]
pub async fn log_work(
    host: &Host,
    site_url: Option<&str>,
    key: &str,
    time_spent: &str,
    started: Option<&str>,
    comment: Option<&str>,
    remaining_estimate: &RemainingEstimate,
) -> Result<Response, ErrorReply> {
    let key = checked_key(key)?;
    let duration = parse_jira_duration(time_spent).map_err(|message| invalid_input("timeSpent", message))?;
    if duration.seconds > MAX_WORKLOG_SECONDS {
        return Err(invalid_input("timeSpent", format!("{} is more than four working weeks in one entry. Check the number, or log the work in parts.", duration.text)));
    }
    let started = match started.map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) => jira_timestamp(text).ok_or_else(|| {
            invalid_input("started", format!("The start time \"{}\" is not a date and time such as 2025-01-31T09:15:00+01:00.", shorten(text, 40)))
        })?,
        None => jira_timestamp_now(),
    };
    let mut query = Vec::new();
    match remaining_estimate {
        RemainingEstimate::Auto => query.push(("adjustEstimate", "auto".to_string())),
        RemainingEstimate::Leave => query.push(("adjustEstimate", "leave".to_string())),
        RemainingEstimate::New { value } => {
            let estimate = parse_jira_duration(value).map_err(|message| invalid_input("remainingEstimate", message))?;
            query.push(("adjustEstimate", "new".to_string()));
            query.push(("newEstimate", estimate.text));
        }
    }
    let (client, _) = host.client_for(site_url).await?;

    let mut body = json!({ "timeSpent": duration.text, "started": started });
    if let Some(comment) = comment.map(str::trim).filter(|comment| !comment.is_empty()) {
        body["comment"] = match client.deployment() {
            Deployment::Cloud => adf::description_adf(comment, None, None),
            Deployment::DataCenter => Value::String(comment.to_string()),
        };
    }
    let path = format!("{}/issue/{key}/worklog", client.api());
    let reply = client.send(Method::POST, &path, &query, Some(&body)).await.map_err(|error| not_found_names_key(error, &key, &client))?;

    let worklog_id = reply["id"].as_str().unwrap_or_default().to_string();
    let time_spent_seconds = reply["timeSpentSeconds"].as_u64().unwrap_or(duration.seconds);
    log::info!("logged {} on {key} (worklog {worklog_id})", duration.text);
    Ok(Response::WorkLogged { key, worklog_id, time_spent_seconds })
}

/// Converts an RFC 3339 time (`2025-01-31T09:15:00+01:00`, `...Z`, seconds and fraction
/// optional) into the form Jira's worklog wants: `2025-01-31T09:15:00.000+0100`.
pub fn jira_timestamp(text: &str) -> Option<String> {
    let (date, rest) = text.split_once(['T', 't', ' '])?;
    let date_bytes = date.as_bytes();
    let date_ok = date_bytes.len() == 10
        && date_bytes[4] == b'-'
        && date_bytes[7] == b'-'
        && date_bytes.iter().enumerate().all(|(index, byte)| index == 4 || index == 7 || byte.is_ascii_digit());
    let month: u32 = date.get(5..7)?.parse().ok()?;
    let day: u32 = date.get(8..10)?.parse().ok()?;
    if !date_ok || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }

    let offset_start = rest.find(['Z', 'z', '+', '-'])?;
    let (time, offset) = rest.split_at(offset_start);
    let (clock, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut clock_parts = clock.split(':');
    let hour: u32 = number(clock_parts.next()?, 2)?;
    let minute: u32 = number(clock_parts.next()?, 2)?;
    let second: u32 = match clock_parts.next() {
        Some(second) => number(second, 2)?,
        None => 0,
    };
    if clock_parts.next().is_some() || hour > 23 || minute > 59 || second > 60 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let millis: String = fraction.chars().chain("000".chars()).take(3).collect();

    let offset = match offset {
        "Z" | "z" => "+0000".to_string(),
        _ => {
            let sign = &offset[..1];
            let (hours, minutes) = offset[1..].split_once(':').unwrap_or((offset.get(1..3)?, offset.get(3..)?));
            let hours: u32 = number(hours, 2)?;
            let minutes: u32 = number(minutes, 2)?;
            if hours > 18 || minutes > 59 {
                return None;
            }
            format!("{sign}{hours:02}{minutes:02}")
        }
    };
    Some(format!("{date}T{hour:02}:{minute:02}:{second:02}.{millis}{offset}"))
}

/// Returns the current time in Jira's worklog form, in UTC.
pub fn jira_timestamp_now() -> String {
    let elapsed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let seconds = elapsed.as_secs();
    let (year, month, day) = civil_date(seconds / 86_400);
    let of_day = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}+0000",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60,
        elapsed.subsec_millis()
    )
}

/// Converts days since 1970-01-01 into a Gregorian date (Howard Hinnant's algorithm).
fn civil_date(days: u64) -> (i64, u32, u32) {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn number(text: &str, digits: usize) -> Option<u32> {
    (text.len() == digits && text.chars().all(|c| c.is_ascii_digit())).then(|| text.parse().ok()).flatten()
}

fn invalid_input(field: &str, message: impl Into<String>) -> ErrorReply {
    ErrorReply::new(ErrorCode::InvalidInput, message).with_details(json!({ "field": field }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_to_jira_form() {
        let cases = [
            ("2025-01-31T09:15:00+01:00", "2025-01-31T09:15:00.000+0100"),
            ("2025-01-31T09:15:00Z", "2025-01-31T09:15:00.000+0000"),
            ("2025-01-31T09:15Z", "2025-01-31T09:15:00.000+0000"),
            ("2025-01-31T09:15:07.5-05:30", "2025-01-31T09:15:07.500-0530"),
            ("2025-01-31T09:15:07.123456+0200", "2025-01-31T09:15:07.123+0200"),
        ];
        for (input, expected) in cases {
            assert_eq!(jira_timestamp(input).as_deref(), Some(expected), "conversion of {input}");
        }
    }

    #[test]
    fn bad_times_rejected() {
        for input in ["", "2025-01-31", "2025-13-01T00:00Z", "2025-01-31T25:00Z", "2025-01-31T09:15", "yesterday", "2025-01-31T09:15+1"] {
            assert_eq!(jira_timestamp(input), None, "{input:?} should be rejected");
        }
    }

    #[test]
    fn now_has_jira_shape() {
        let now = jira_timestamp_now();

        assert_eq!(now.len(), 28, "{now}");
        assert!(now.ends_with("+0000"), "{now}");
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(19_753), (2024, 1, 31));
    }
}
