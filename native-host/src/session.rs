//! A native-messaging session: the browser started the host for a port or a one-shot
//! message. Stdout carries only frames; logs go to stderr and the log file.

use std::process::ExitCode;
use std::sync::Arc;

use crate::caller::Caller;
use crate::config::{config_dir, load_callers, ConfigFile};
use crate::credentials::OsStore;
use crate::host::Host;
use crate::jira::site_url::http_loopback_allowed;
use crate::server::{serve, SessionEnd};

/// Serves the browser until it closes the port, and returns the exit code.
pub fn run(caller: Caller) -> ExitCode {
    crate::logging::init(true);
    let refusal = caller.check(&load_callers(&config_dir())).err();
    match &refusal {
        Some(_) => log::warn!("started by {}, which is not in the allow-list; refusing every request", caller.describe()),
        None => log::info!("started by {}", caller.describe()),
    }

    // One thread serves the port: handlers wait on Jira, not on the CPU, and a single
    // thread saves the cross-thread wake-ups that each message would otherwise cost.
    // Reads of the credential store still run on the blocking pool.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            log::error!("starting the async runtime failed: {error}");
            return ExitCode::FAILURE;
        }
    };
    let host = Arc::new(Host::new(ConfigFile::default_location(), Arc::new(OsStore), http_loopback_allowed()));
    let end = runtime.block_on(async {
        let (reader, writer) = stdio();
        serve(host, reader, writer, refusal).await
    });
    // Pending blocking reads of stdin must not keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));

    match end {
        SessionEnd::Closed => {
            log::info!("the browser closed the port; exiting");
            ExitCode::SUCCESS
        }
        SessionEnd::Broken(reason) => {
            log::error!("exiting: {reason}");
            ExitCode::from(2)
        }
    }
}

type Reader = Box<dyn tokio::io::AsyncRead + Unpin + Send>;
type Writer = Box<dyn tokio::io::AsyncWrite + Unpin + Send>;

/// Returns stdin and stdout as non-blocking pipes polled by the runtime when they are
/// pipes, as browsers start the host. Tokio's own stdin and stdout hand every read and
/// write to a blocking-pool thread, which costs a thread wake-up per frame. Anything
/// else (a file, a terminal) falls back to those.
#[cfg(unix)]
fn stdio() -> (Reader, Writer) {
    use std::os::fd::AsFd;
    use tokio::net::unix::pipe;

    let reader: Reader = match std::io::stdin().as_fd().try_clone_to_owned().and_then(pipe::Receiver::from_owned_fd) {
        Ok(pipe) => Box::new(pipe),
        Err(_) => Box::new(tokio::io::stdin()),
    };
    let writer: Writer = match std::io::stdout().as_fd().try_clone_to_owned().and_then(pipe::Sender::from_owned_fd) {
        Ok(pipe) => Box::new(pipe),
        Err(_) => Box::new(tokio::io::stdout()),
    };
    (reader, writer)
}

#[cfg(not(unix))]
fn stdio() -> (Reader, Writer) {
    (Box::new(tokio::io::stdin()), Box::new(tokio::io::stdout()))
}
