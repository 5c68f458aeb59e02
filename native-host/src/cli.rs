//! Commands for people at a terminal: `login`, `status`, `logout`, `install`,
//! `uninstall`, `doctor`. These print to stdout; the browser never runs them.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use jira_bridge_protocol::{Deployment, Response, Secret};

use crate::config::ConfigFile;
use crate::credentials::OsStore;
use crate::host::Host;
use crate::jira::site_url::http_loopback_allowed;

/// The jira-bridge native host. Browsers start it; people use these commands to connect
/// a Jira site without the token passing through the browser, and to register the host.
#[derive(Debug, Parser)]
#[command(name = "jira-bridge-host", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Connect a Jira site: check the token with Jira, then keep it in the OS credential store.
    Login {
        /// Address of the Jira site, such as https://your-company.atlassian.net or https://jira.example.com/jira.
        #[arg(long)]
        site: String,
        /// Email of your Atlassian account (Jira Cloud). Leave out for a Data Center personal access token.
        #[arg(long)]
        email: Option<String>,
        /// Read the token from standard input instead of prompting for it.
        #[arg(long)]
        token_stdin: bool,
    },
    /// Show the connected sites and accounts (never the token).
    Status,
    /// Disconnect a site and delete its token from the OS credential store.
    Logout {
        /// Site to disconnect; the default site when left out.
        #[arg(long)]
        site: Option<String>,
        /// Disconnect every site.
        #[arg(long, conflicts_with = "site")]
        all: bool,
    },
    /// Register the native host with the browsers on this machine.
    Install(crate::install::InstallArgs),
    /// Remove the native host's registration from the browsers.
    Uninstall(crate::install::UninstallArgs),
    /// Check the browser registration, the OS credential store and each connected site,
    /// and print how to fix what is broken.
    Doctor,
}

/// Runs a command and returns the process's exit code.
pub fn run(cli: Cli) -> ExitCode {
    let outcome = match cli.command {
        Command::Install(args) => crate::install::run_install(&args),
        Command::Uninstall(args) => {
            let forget = args.forget_secrets;
            crate::install::run_uninstall(&args).and_then(|()| if forget { logout_all() } else { Ok(()) })
        }
        Command::Login { site, email, token_stdin } => login(&site, email.as_deref(), token_stdin),
        Command::Status => status(),
        Command::Logout { site, all } => if all { logout_all() } else { logout(site.as_deref()) },
        Command::Doctor => doctor(),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // A host error already reads as a sentence for people; its code name is for logs.
            match error.downcast_ref::<jira_bridge_protocol::ErrorReply>() {
                Some(reply) => eprintln!("jira-bridge-host: {}", reply.message),
                None => eprintln!("jira-bridge-host: {error:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

fn host() -> Host {
    Host::new(ConfigFile::default_location(), Arc::new(OsStore), http_loopback_allowed())
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

fn login(site: &str, email: Option<&str>, token_stdin: bool) -> anyhow::Result<()> {
    let token = read_token(token_stdin)?;
    let reply = runtime()?.block_on(host().handle(jira_bridge_protocol::Request::Connect {
        site_url: site.to_string(),
        email: email.map(str::to_string),
        token,
    }))?;
    if let Response::Connected { site } = reply {
        let kind = match site.deployment {
            Deployment::Cloud => "Jira Cloud",
            Deployment::DataCenter => "Jira Data Center",
        };
        println!("Connected to {} ({kind}) as {} <{}>.", site.site_url, site.display_name, site.account);
        println!("The token is in the OS credential store; the browser extension can use this site now.");
    }
    Ok(())
}

/// Reads the token without echo from the terminal, or one line from standard input.
fn read_token(token_stdin: bool) -> anyhow::Result<Secret> {
    let stdin = std::io::stdin();
    let text = if token_stdin || !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        line
    } else {
        rpassword::prompt_password("API token (or personal access token): ")?
    };
    let token = Secret::new(text).trimmed();
    if token.is_empty() {
        anyhow::bail!("no token was given: standard input was empty. Paste the API token when asked, or pipe it in, as in `printf %s \"$TOKEN\" | jira-bridge-host login --site URL --token-stdin`");
    }
    Ok(token)
}

fn status() -> anyhow::Result<()> {
    let reply = runtime()?.block_on(host().handle(jira_bridge_protocol::Request::Status))?;
    let Response::Status { sites, default_site } = reply else { return Ok(()) };
    if sites.is_empty() {
        println!("No Jira site is connected. Connect one with: jira-bridge-host login --site URL --email EMAIL");
        return Ok(());
    }
    for site in sites {
        let kind = match site.deployment {
            Deployment::Cloud => "Jira Cloud",
            Deployment::DataCenter => "Jira Data Center",
        };
        let default = if default_site.as_deref() == Some(site.site_url.as_str()) { "  (default site)" } else { "" };
        println!("{}  {kind}  {} <{}>{default}", site.site_url, site.display_name, site.account);
    }
    Ok(())
}

fn doctor() -> anyhow::Result<()> {
    let passed = crate::doctor::run(&mut std::io::stdout().lock())?;
    if !passed {
        anyhow::bail!("some checks failed; follow the fix under each FAIL line above");
    }
    Ok(())
}

fn logout(site: Option<&str>) -> anyhow::Result<()> {
    let reply = runtime()?.block_on(host().handle(jira_bridge_protocol::Request::Disconnect { site_url: site.map(str::to_string) }))?;
    if let Response::Disconnected { site_url } = reply {
        println!("Disconnected {site_url}; its token was deleted from the OS credential store.");
    }
    Ok(())
}

fn logout_all() -> anyhow::Result<()> {
    let host = host();
    let sites = host.config_file.load()?.sites;
    let runtime = runtime()?;
    for site in sites {
        runtime.block_on(host.handle(jira_bridge_protocol::Request::Disconnect { site_url: Some(site.site_url.clone()) }))?;
        println!("Disconnected {}; its token was deleted from the OS credential store.", site.site_url);
    }
    Ok(())
}
