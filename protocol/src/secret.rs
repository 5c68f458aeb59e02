//! A string that never prints: the API token or personal access token while it is in
//! memory. Debug and Display show a placeholder, and the bytes are wiped on drop.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

/// A secret string. Read it with [`Secret::expose`] only where it is sent to Jira or to
/// the credential store.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(Zeroizing::new(value))
    }

    /// Returns the secret text. Callers must not log, format or store it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Returns a copy without the whitespace people paste around tokens (a trailing
    /// newline from a terminal or a password manager, for instance).
    pub fn trimmed(&self) -> Secret {
        Secret::new(self.0.trim().to_string())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Secret::new(String::deserialize(deserializer)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redacted() {
        let secret = Secret::new("CANARY-abc".into());

        assert!(!format!("{secret:?}").contains("CANARY"));
        assert!(!format!("{secret}").contains("CANARY"));
    }

    #[test]
    fn trimmed_strips_pasted_newline() {
        let secret = Secret::new("  tok-123\n".into());

        assert_eq!(secret.trimmed().expose(), "tok-123");
    }
}
