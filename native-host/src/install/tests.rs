//! Install and uninstall tests in fake home folders.
