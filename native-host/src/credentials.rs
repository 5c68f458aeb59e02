//! The OS credential store: Keychain on macOS, Credential Manager on Windows, the Secret
//! Service on Linux and the BSDs (through the `keyring` crate). One entry per site and
//! account; nothing secret is ever written anywhere else.

use jira_bridge_protocol::{ErrorCode, ErrorReply, Secret};

/// Prefix of the service name of every entry, so people can find ours in their store.
pub const SERVICE_PREFIX: &str = "jira-bridge";

/// Error from the credential store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No token is saved for this site and account.
    #[error("no token is saved for {account} on {site_url}")]
    NotFound { site_url: String, account: String },
    /// The store is missing, locked or refused access. The text comes from the platform
    /// and never contains the secret.
    #[error("the OS credential store is unavailable: {reason}")]
    Unavailable { reason: String },
}

impl StoreError {
    /// Converts the error into a reply that names the fix for the person.
    pub fn to_reply(&self) -> ErrorReply {
        match self {
            StoreError::NotFound { site_url, account } => ErrorReply::new(
                ErrorCode::NotConnected,
                format!("No token is saved for {account} on {site_url}. Connect the site again."),
            )
            .with_details(serde_json::json!({ "siteUrl": site_url, "account": account })),
            StoreError::Unavailable { reason } => ErrorReply::new(
                ErrorCode::CredentialStoreUnavailable,
                format!("{}. Nothing was saved.", unavailable_advice()),
            )
            .with_details(serde_json::json!({ "reason": reason })),
        }
    }
}

/// Names the fix for an unavailable store on this platform.
fn unavailable_advice() -> &'static str {
    if cfg!(target_os = "macos") {
        "The macOS Keychain could not be used. Unlock your login keychain in Keychain Access and try again"
    } else if cfg!(windows) {
        "The Windows Credential Manager could not be used. Check that you are signed in to a normal user session and try again"
    } else {
        "The Secret Service (the desktop keyring) could not be used. Install and unlock a keyring such as GNOME Keyring or KeePassXC with Secret Service enabled, then try again"
    }
}

/// Storage for tokens. The real one is [`OsStore`]; the trait lets tests of other
/// parts run without a desktop session.
pub trait TokenStore: Send + Sync {
    fn get(&self, site_url: &str, account: &str) -> Result<Secret, StoreError>;
    fn set(&self, site_url: &str, account: &str, token: &Secret) -> Result<(), StoreError>;
    /// Deletes the entry; deleting an entry that is not there succeeds.
    fn delete(&self, site_url: &str, account: &str) -> Result<(), StoreError>;
}

/// The platform's credential store through the `keyring` crate.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsStore;

/// Returns the service name of a site's entry, such as `jira-bridge https://x.atlassian.net`.
pub fn service_name(site_url: &str) -> String {
    format!("{SERVICE_PREFIX} {site_url}")
}

impl OsStore {
    fn entry(site_url: &str, account: &str) -> Result<keyring::Entry, StoreError> {
        keyring::Entry::new(&service_name(site_url), account).map_err(|error| {
            let reason = match keyring::Entry::store_status() {
                Err(status) => describe(status),
                Ok(()) => describe(&error),
            };
            StoreError::Unavailable { reason }
        })
    }
}

impl TokenStore for OsStore {
    fn get(&self, site_url: &str, account: &str) -> Result<Secret, StoreError> {
        let entry = Self::entry(site_url, account)?;
        match entry.get_password() {
            Ok(password) => Ok(Secret::new(password)),
            Err(keyring::Error::NoEntry) => {
                Err(StoreError::NotFound { site_url: site_url.to_string(), account: account.to_string() })
            }
            Err(error) => Err(StoreError::Unavailable { reason: describe(&error) }),
        }
    }

    fn set(&self, site_url: &str, account: &str, token: &Secret) -> Result<(), StoreError> {
        let entry = Self::entry(site_url, account)?;
        entry.set_password(token.expose()).map_err(|error| StoreError::Unavailable { reason: describe(&error) })?;
        log::debug!("saved the token for {account} on {site_url} in the OS credential store");
        Ok(())
    }

    fn delete(&self, site_url: &str, account: &str) -> Result<(), StoreError> {
        let entry = Self::entry(site_url, account)?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => {
                log::debug!("deleted the token for {account} on {site_url}");
                Ok(())
            }
            Err(error) => Err(StoreError::Unavailable { reason: describe(&error) }),
        }
    }
}

/// Describes a keyring error without its payload: `BadEncoding` and `BadDataFormat`
/// carry the stored bytes, which are the secret.
fn describe(error: &keyring::Error) -> String {
    match error {
        keyring::Error::PlatformFailure(inner) => format!("platform failure: {inner}"),
        keyring::Error::NoStorageAccess(inner) => format!("no access to the store (is it locked?): {inner}"),
        keyring::Error::NoEntry => "no entry".to_string(),
        keyring::Error::BadEncoding(_) => "the stored token is not valid UTF-8".to_string(),
        keyring::Error::BadDataFormat(_, _) => "the stored token has an unexpected format".to_string(),
        keyring::Error::BadStoreFormat(reason) => format!("the store is damaged: {reason}"),
        keyring::Error::TooLong(attribute, limit) => format!("{attribute} is longer than the store's limit of {limit}"),
        keyring::Error::Invalid(parameter, reason) => format!("invalid {parameter}: {reason}"),
        keyring::Error::Ambiguous(entries) => format!("{} entries match", entries.len()),
        keyring::Error::NoDefaultStore => "no credential store is available in this session".to_string(),
        keyring::Error::NotSupportedByStore(reason) => format!("not supported by the store: {reason}"),
        _ => "unknown credential store error".to_string(),
    }
}

/// An in-memory store for unit tests of code that needs a store but not the real one.
#[cfg(test)]
#[derive(Default)]
pub struct MemoryStore(pub std::sync::Mutex<std::collections::HashMap<(String, String), Secret>>);

#[cfg(test)]
impl TokenStore for MemoryStore {
    fn get(&self, site_url: &str, account: &str) -> Result<Secret, StoreError> {
        self.0.lock().unwrap().get(&(site_url.to_string(), account.to_string())).cloned().ok_or_else(|| {
            StoreError::NotFound { site_url: site_url.to_string(), account: account.to_string() }
        })
    }

    fn set(&self, site_url: &str, account: &str, token: &Secret) -> Result<(), StoreError> {
        self.0.lock().unwrap().insert((site_url.to_string(), account.to_string()), token.clone());
        Ok(())
    }

    fn delete(&self, site_url: &str, account: &str) -> Result<(), StoreError> {
        self.0.lock().unwrap().remove(&(site_url.to_string(), account.to_string()));
        Ok(())
    }
}
