//! Writes and removes the native-host manifests that let browsers start this binary.
