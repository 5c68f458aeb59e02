//! Small text helpers shared by the actions.

/// Cuts echoed input to `max_chars` characters, so an error reply never grows with what
/// was sent (a reply above 1 MiB would be dropped by the browser).
pub fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    format!("{}…", text.chars().take(max_chars).collect::<String>())
}

#[cfg(test)]
mod tests {
    #[test]
    fn shorten_cuts_long_text() {
        assert_eq!(super::shorten("abcdef", 3), "abc…");
        assert_eq!(super::shorten("abc", 3), "abc");
    }
}
