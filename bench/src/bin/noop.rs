//! Baseline process: starts and exits, to measure what spawning any Rust program costs.

fn main() {}
