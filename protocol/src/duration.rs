//! Jira's time-tracking notation (`1h 30m`, `2d`, `1w 2d 4h`), checked before a worklog
//! or a remaining estimate is sent, so a typo is reported in the popup and not by Jira.

/// Seconds in one unit, with Jira's default working time: 8-hour days and 5-day weeks.
/// A site whose administrator changed those settings converts days and weeks differently,
/// so the host sends the text as typed and uses these numbers only for display.
const UNITS: &[(char, u64)] = &[('w', 5 * 8 * 3600), ('d', 8 * 3600), ('h', 3600), ('m', 60)];

/// Maximum time one worklog may record here: four working weeks. Longer entries are almost
/// always a typo (`80h` meant as `8h`), and Jira itself has no cap.
pub const MAX_WORKLOG_SECONDS: u64 = 4 * 5 * 8 * 3600;

/// A duration in Jira notation, normalised (`1h 30m`), with its length in seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JiraDuration {
    pub text: String,
    pub seconds: u64,
}

/// Parses Jira notation: whole numbers followed by `w`, `d`, `h` or `m`, separated by
/// spaces or written together (`1h30m`), each unit at most once, largest first. The error
/// is a sentence for the person.
pub fn parse_jira_duration(input: &str) -> Result<JiraDuration, String> {
    let compact: String = input.trim().to_lowercase();
    if compact.is_empty() {
        return Err("Enter the time spent, such as 1h 30m or 2d.".to_string());
    }

    let mut parts = Vec::new();
    let mut seconds: u64 = 0;
    let mut last_unit_rank = None;
    let mut number = String::new();
    for character in compact.chars() {
        if character.is_ascii_digit() {
            number.push(character);
            continue;
        }
        if character.is_whitespace() {
            if number.is_empty() {
                continue;
            }
            return Err(format!("\"{}\" has a number without a unit. Write it as 1h 30m: w, d, h or m after each number.", input.trim()));
        }
        let Some(rank) = UNITS.iter().position(|(unit, _)| *unit == character) else {
            return Err(format!("\"{}\" is not Jira time notation: use w, d, h and m, such as 1h 30m or 2d.", input.trim()));
        };
        let Ok(amount) = number.parse::<u64>() else {
            return Err(format!("\"{}\" has a unit without a number. Write it as 1h 30m or 2d.", input.trim()));
        };
        if last_unit_rank.is_some_and(|last| rank <= last) {
            return Err(format!("\"{}\" repeats a unit or puts a smaller one first. Write it as 1w 2d 3h 4m.", input.trim()));
        }
        last_unit_rank = Some(rank);
        seconds = seconds.saturating_add(amount.saturating_mul(UNITS[rank].1));
        parts.push(format!("{amount}{character}"));
        number.clear();
    }
    if !number.is_empty() {
        return Err(format!("\"{}\" ends with a number without a unit. Write it as 1h 30m: w, d, h or m after each number.", input.trim()));
    }
    if seconds == 0 {
        return Err("The time spent must be more than zero.".to_string());
    }
    Ok(JiraDuration { text: parts.join(" "), seconds })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accepted() {
        let cases = [
            ("1h 30m", "1h 30m", 5400),
            ("2d", "2d", 57_600),
            (" 1w 2d 3h 4m ", "1w 2d 3h 4m", 144_000 + 57_600 + 10_800 + 240),
            ("1h30m", "1h 30m", 5400),
            ("45M", "45m", 2700),
            ("0h 15m", "0h 15m", 900),
        ];
        for (input, text, seconds) in cases {
            let parsed = parse_jira_duration(input).unwrap_or_else(|error| panic!("{input:?} should parse: {error}"));
            assert_eq!(parsed.text, text, "normalised text of {input:?}");
            assert_eq!(parsed.seconds, seconds, "seconds of {input:?}");
        }
    }

    #[test]
    fn durations_rejected() {
        for input in ["", "  ", "90", "1.5h", "h", "1x", "30m 1h", "1h 1h", "0m", "-1h", "1 h", "one hour"] {
            assert!(parse_jira_duration(input).is_err(), "{input:?} should be rejected");
        }
    }

    #[test]
    fn duration_error_names_input() {
        let error = parse_jira_duration("3 hours").unwrap_err();

        assert!(error.contains("3 hours"), "the message should quote the input: {error}");
    }
}
