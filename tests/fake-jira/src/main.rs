//! Command line of the fake Jira: `serve` for tests and `sandbox` for people trying
//! jira-bridge without a Jira account.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fake_jira::{Config, FakeJira, Mode};

/// A stateful fake Jira on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(name = "fake-jira", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve a fake Jira for tests. The first stdout line is
    /// `fake-jira listening on http://127.0.0.1:PORT` (plus the context path).
    Serve {
        /// Jira dialect: `cloud` (REST v3, Basic auth) or `datacenter` (REST v2, Bearer).
        #[arg(long, default_value = "cloud")]
        mode: Mode,
        /// TCP port on 127.0.0.1; 0 picks a free one.
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Email of the one account (the Cloud Basic auth user name).
        #[arg(long, default_value = "tester@example.com")]
        email: String,
        /// API token (Cloud) or personal access token (Data Center) to accept.
        #[arg(long, default_value = "test-token")]
        token: String,
        /// User name of the account on Data Center.
        #[arg(long, default_value = "tester")]
        username: String,
        /// Display name of the account.
        #[arg(long, default_value = "Test User")]
        display_name: String,
        /// Atlassian account id of the account on Cloud.
        #[arg(long, default_value = "5b10ac8d82e05b22cc7d4ef5")]
        account_id: String,
        /// Path prefix before `/rest`, such as `/jira` (Data Center sites often have one).
        #[arg(long, default_value = "")]
        context_path: String,
        /// File to append each Jira request to as one JSON line, for tests/contract/validate.py.
        #[arg(long)]
        record: Option<PathBuf>,
        /// Treat the token as a scoped API token (Cloud only): direct calls other than
        /// serverInfo get 401, and the API is served under /ex/jira/CLOUD_ID as on
        /// Atlassian's API gateway.
        #[arg(long)]
        scoped_token: bool,
        /// Cloud id served at /_edge/tenant_info and expected in gateway paths; the
        /// built-in one when left out.
        #[arg(long)]
        cloud_id: Option<String>,
        /// Exit when stdin reaches end of file, so the server dies with the test that
        /// started it.
        #[arg(long)]
        exit_on_stdin_close: bool,
    },
    /// Run a local sandbox site for trying jira-bridge without a Jira account. Data is
    /// kept in memory only.
    Sandbox {
        /// TCP port on 127.0.0.1.
        #[arg(long, default_value_t = 8089)]
        port: u16,
        /// Jira dialect to imitate.
        #[arg(long, default_value = "cloud")]
        mode: Mode,
    },
}

const SANDBOX_EMAIL: &str = "sandbox@example.com";
const SANDBOX_TOKEN: &str = "sandbox-token";

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("fake-jira: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve {
            mode,
            port,
            email,
            token,
            username,
            display_name,
            account_id,
            context_path,
            record,
            scoped_token,
            cloud_id,
            exit_on_stdin_close,
        } => {
            if scoped_token && mode != Mode::Cloud {
                return Err("--scoped-token needs --mode cloud: Data Center has no scoped API tokens".to_owned());
            }
            let defaults = Config::for_mode(mode);
            let config = Config {
                port,
                email,
                token,
                username,
                display_name,
                account_id,
                context_path,
                record_file: record,
                scoped_token,
                cloud_id: cloud_id.unwrap_or(defaults.cloud_id.clone()),
                ..defaults
            };
            let jira = start(config)?;
            println!("fake-jira listening on {}", jira.url());
            flush_stdout()?;
            wait(exit_on_stdin_close);
            drop(jira);
            Ok(())
        }
        Command::Sandbox { port, mode } => {
            let config = Config {
                port,
                email: SANDBOX_EMAIL.to_owned(),
                username: "sandbox".to_owned(),
                display_name: "Sandbox User".to_owned(),
                token: SANDBOX_TOKEN.to_owned(),
                ..Config::for_mode(mode)
            };
            let jira = start(config)?;
            print_sandbox_banner(&jira);
            flush_stdout()?;
            wait(false);
            Ok(())
        }
    }
}

fn start(config: Config) -> Result<FakeJira, String> {
    let port = config.port;
    FakeJira::start(config).map_err(|error| format!("failed to listen on 127.0.0.1:{port}: {error}"))
}

fn print_sandbox_banner(jira: &FakeJira) {
    let config = jira.config();
    let account_label = match config.mode {
        Mode::Cloud => format!("Email:     {}", config.email),
        Mode::DataCenter => "Email:     (leave empty; Data Center tokens need none)".to_owned(),
    };
    println!("fake-jira listening on {}", jira.url());
    println!();
    println!("This is a local sandbox Jira ({} dialect) for trying jira-bridge without a Jira account.", config.mode.as_str());
    println!("It listens on the loopback interface only, so no other machine can reach it.");
    println!("Issues you create live in memory and are gone when you stop it (Ctrl+C).");
    println!();
    println!("Plain http is allowed only for this loopback sandbox: jira-bridge accepts it when the");
    println!("native host runs with JIRA_BRIDGE_ALLOW_HTTP_LOOPBACK=1, and requires https for every");
    println!("real Jira site.");
    println!();
    println!("Paste these into the jira-bridge popup:");
    println!("  Site URL:  {}", jira.url());
    println!("  {account_label}");
    println!("  API token: {}", config.token);
}

fn flush_stdout() -> Result<(), String> {
    std::io::stdout().flush().map_err(|error| format!("failed to write to stdout: {error}"))
}

/// Blocks until stdin closes (when asked to) or forever; the process ends when killed.
fn wait(exit_on_stdin_close: bool) {
    if exit_on_stdin_close {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            if line.is_err() {
                break;
            }
        }
        return;
    }
    loop {
        std::thread::park();
    }
}
