//! Benchmark runner for jira-bridge: measures the native host and the popup against the
//! baselines people would use instead, in the same run, and writes one JSON line per
//! figure. `scripts/bench.sh` builds everything and runs it.
//!
//! Usage:
//!   jira-bridge-bench host  --host-binary P --python-host P --python P --results F [--quick] [--only start,round-trip,jira,store,memory]
//!   jira-bridge-bench popup --host-binary P --results F --extension DIR --script P --playwright-dir DIR [--quick]
//!   jira-bridge-bench wasm-size --results F --wasm P --note TEXT
//!   jira-bridge-bench report F

mod figures;
mod home;
mod process;
mod proxy;
mod results;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

/// Settings shared by every figure: the binaries under test and the results file.
pub struct Settings {
    pub host_binary: PathBuf,
    pub python_host: PathBuf,
    /// The Python interpreter itself, not a version manager's shim that starts it.
    pub python: PathBuf,
    pub echo_host: PathBuf,
    pub noop: PathBuf,
    pub results: PathBuf,
    /// Fraction of the full sample counts to run; `--quick` sets 0.2.
    pub scale: f64,
}

impl Settings {
    /// Returns `full` scaled by `--quick`, at least 3 so that a median means something.
    pub fn scaled(&self, full: usize) -> usize {
        ((full as f64 * self.scale).round() as usize).max(3)
    }
}

const FIGURES: [&str; 5] = ["start", "round-trip", "jira", "store", "memory"];

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("jira-bridge-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let Some((command, rest)) = args.split_first() else {
        return Err("no command given; expected host, popup, wasm-size or report".into());
    };
    if command == "report" {
        let path = rest.first().ok_or("report needs the results file")?;
        return results::print_table(&PathBuf::from(path)).map_err(|error| format!("reading {path} failed: {error}"));
    }

    let options = parse_options(rest)?;
    let path = |name: &str| options.get(name).and_then(|value| value.clone()).map(PathBuf::from).ok_or(format!("--{name} is required"));
    let siblings = std::env::current_exe().map_err(|error| format!("finding this program's folder failed: {error}"))?;
    let folder = siblings.parent().expect("a program has a folder");
    let settings = Settings {
        host_binary: options.get("host-binary").and_then(|value| value.clone()).map(PathBuf::from).unwrap_or_default(),
        python_host: options.get("python-host").and_then(|value| value.clone()).map(PathBuf::from).unwrap_or_default(),
        python: options.get("python").and_then(|value| value.clone()).map(PathBuf::from).unwrap_or_else(|| "python3".into()),
        echo_host: folder.join("bench-echo-host"),
        noop: folder.join("bench-noop"),
        results: path("results")?,
        scale: if options.contains_key("quick") { 0.2 } else { 1.0 },
    };

    match command.as_str() {
        "host" => {
            let only = options.get("only").and_then(|value| value.clone()).unwrap_or_else(|| FIGURES.join(","));
            for figure in only.split(',') {
                match figure {
                    "start" => figures::start::run(&settings)?,
                    "round-trip" => figures::round_trip::run(&settings)?,
                    "jira" => figures::jira_call::run(&settings)?,
                    "store" => figures::store::run(&settings)?,
                    "memory" => figures::memory::run(&settings)?,
                    other => return Err(format!("unknown figure {other:?}; expected one of {}", FIGURES.join(", "))),
                }
            }
            Ok(())
        }
        "popup" => figures::popup::run(&settings, &path("extension")?, &path("script")?, &path("playwright-dir")?),
        "wasm-size" => {
            let note = options.get("note").and_then(|value| value.clone()).unwrap_or_default();
            figures::popup::record_wasm_size(&settings, &path("wasm")?, &note)
        }
        other => Err(format!("unknown command {other:?}; expected host, popup, wasm-size or report")),
    }
}

/// Parses `--name value` pairs and the `--quick` flag.
fn parse_options(args: &[String]) -> Result<HashMap<String, Option<String>>, String> {
    let mut options = HashMap::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let name = arg.strip_prefix("--").ok_or(format!("unexpected argument {arg:?}"))?;
        if name == "quick" {
            options.insert(name.to_string(), None);
        } else {
            let value = args.next().ok_or(format!("--{name} needs a value"))?;
            options.insert(name.to_string(), Some(value.clone()));
        }
    }
    Ok(options)
}
