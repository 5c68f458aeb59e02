//! Entry point of the jira-bridge native host: a browser's native-messaging session when
//! started with a caller on the command line, a command for people otherwise.

use std::process::ExitCode;

use clap::Parser;
use jira_bridge_host::{caller::Caller, cli, session};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    match Caller::from_args(&args) {
        Some(caller) => session::run(caller),
        None => {
            jira_bridge_host::logging::init(false);
            cli::run(cli::Cli::parse())
        }
    }
}
