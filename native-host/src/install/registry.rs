//! The Windows registry behind a trait, so that tests on any platform can check the keys
//! an install writes. The real store (`winreg`) is compiled only on Windows.

use std::collections::BTreeMap;
use std::fmt;
use std::io;

use serde::{Deserialize, Serialize};

/// A registry root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Hive {
    /// `HKEY_CURRENT_USER`: a per-user install.
    #[serde(rename = "HKCU")]
    CurrentUser,
    /// `HKEY_LOCAL_MACHINE`: a system-wide install (`--system`, needs an administrator).
    #[serde(rename = "HKLM")]
    LocalMachine,
}

impl fmt::Display for Hive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Hive::CurrentUser => "HKCU",
            Hive::LocalMachine => "HKLM",
        })
    }
}

/// The registry operations an install needs. Every key is opened in the 64-bit view, which
/// is where 64-bit browsers look, whatever the bitness of this binary.
pub trait Registry {
    /// Creates `key` (and its parents) if missing and sets its default value.
    fn set_default_value(&mut self, hive: Hive, key: &str, value: &str) -> io::Result<()>;

    /// Returns the default value of `key`, or `None` when the key or its value is missing.
    fn default_value(&self, hive: Hive, key: &str) -> io::Result<Option<String>>;

    /// Deletes `key`, which must have no subkeys. A missing key is not an error.
    fn delete_key(&mut self, hive: Hive, key: &str) -> io::Result<()>;
}

/// A registry kept in memory, for tests and dry runs.
#[derive(Debug, Default, Clone)]
pub struct MemoryRegistry {
    /// Default values by hive and key path. Keys are stored as written, so the tests also
    /// check spelling even though Windows compares key names case-insensitively.
    pub values: BTreeMap<(Hive, String), String>,
}

impl Registry for MemoryRegistry {
    fn set_default_value(&mut self, hive: Hive, key: &str, value: &str) -> io::Result<()> {
        self.values
            .insert((hive, key.to_string()), value.to_string());
        Ok(())
    }

    fn default_value(&self, hive: Hive, key: &str) -> io::Result<Option<String>> {
        Ok(self.values.get(&(hive, key.to_string())).cloned())
    }

    fn delete_key(&mut self, hive: Hive, key: &str) -> io::Result<()> {
        self.values.remove(&(hive, key.to_string()));
        Ok(())
    }
}

/// Registry stand-in for platforms that have none. Every call fails, so a Windows layout
/// cannot be applied to a real Linux or macOS machine by mistake.
#[cfg(any(not(windows), test))]
#[derive(Debug, Default)]
pub struct NoRegistry;

#[cfg(any(not(windows), test))]
impl NoRegistry {
    fn unsupported() -> io::Error {
        io::Error::new(
            io::ErrorKind::Unsupported,
            "this platform has no Windows registry",
        )
    }
}

#[cfg(any(not(windows), test))]
impl Registry for NoRegistry {
    fn set_default_value(&mut self, _hive: Hive, _key: &str, _value: &str) -> io::Result<()> {
        Err(Self::unsupported())
    }

    fn default_value(&self, _hive: Hive, _key: &str) -> io::Result<Option<String>> {
        Err(Self::unsupported())
    }

    fn delete_key(&mut self, _hive: Hive, _key: &str) -> io::Result<()> {
        Err(Self::unsupported())
    }
}

/// Returns the registry of the running system: the real one on Windows, `NoRegistry`
/// elsewhere.
pub fn system_registry() -> Box<dyn Registry> {
    #[cfg(windows)]
    {
        Box::new(windows_store::WindowsRegistry)
    }
    #[cfg(not(windows))]
    {
        Box::new(NoRegistry)
    }
}

#[cfg(windows)]
mod windows_store {
    //! The real registry through the `winreg` crate.

    use std::io;

    use winreg::enums::{
        HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, KEY_READ, KEY_WOW64_64KEY, KEY_WRITE,
    };
    use winreg::RegKey;

    use super::{Hive, Registry};

    pub struct WindowsRegistry;

    fn root(hive: Hive) -> RegKey {
        match hive {
            Hive::CurrentUser => RegKey::predef(HKEY_CURRENT_USER),
            Hive::LocalMachine => RegKey::predef(HKEY_LOCAL_MACHINE),
        }
    }

    impl Registry for WindowsRegistry {
        fn set_default_value(&mut self, hive: Hive, key: &str, value: &str) -> io::Result<()> {
            let (subkey, _) =
                root(hive).create_subkey_with_flags(key, KEY_WRITE | KEY_WOW64_64KEY)?;
            // The empty value name is the key's default value, which browsers read.
            subkey.set_value("", &value.to_string())
        }

        fn default_value(&self, hive: Hive, key: &str) -> io::Result<Option<String>> {
            let subkey = match root(hive).open_subkey_with_flags(key, KEY_READ | KEY_WOW64_64KEY) {
                Ok(subkey) => subkey,
                Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(error) => return Err(error),
            };
            match subkey.get_value::<String, _>("") {
                Ok(value) => Ok(Some(value)),
                Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(error) => Err(error),
            }
        }

        fn delete_key(&mut self, hive: Hive, key: &str) -> io::Result<()> {
            match root(hive).delete_subkey_with_flags(key, KEY_WOW64_64KEY) {
                Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
                other => other,
            }
        }
    }
}
