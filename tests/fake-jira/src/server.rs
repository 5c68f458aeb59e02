//! Starting and stopping a fake Jira on 127.0.0.1, on a runtime thread of its own so that
//! both `#[tokio::test]` and plain `#[test]` functions can use it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use axum::Router;
use tokio::sync::oneshot;

use crate::config::Config;
use crate::record::{RecordedRequest, Violation};
use crate::state::{Fault, Shared, StoredIssue};

/// A running fake Jira. Dropping it stops the server and closes open connections.
#[derive(Debug)]
pub struct FakeJira {
    shared: Arc<Shared>,
    address: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeJira {
    /// Binds 127.0.0.1 on `config.port` (0 picks a free port) and starts serving.
    pub fn start(config: Config) -> std::io::Result<FakeJira> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", config.port))?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let base_url = format!("http://{address}{}", config.normalized_context_path());
        let shared = Arc::new(Shared::new(config, base_url));
        let app = build_app(shared.clone());

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("fake-jira-worker")
            .enable_all()
            .build()?;
        let (shutdown, shutdown_received) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new().name("fake-jira".to_owned()).spawn(move || {
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(listener) => listener,
                    Err(error) => {
                        eprintln!("fake-jira: failed to register the listener on {address}: {error}");
                        return;
                    }
                };
                // Not a graceful shutdown: clients keep idle connections in their pools,
                // and waiting for them would hang the drop.
                tokio::select! {
                    result = axum::serve(listener, app) => {
                        if let Err(error) = result {
                            eprintln!("fake-jira: server on {address} stopped: {error}");
                        }
                    }
                    _ = shutdown_received => {}
                }
            });
        })?;

        Ok(FakeJira {
            shared,
            address,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// Returns the site URL to connect to: `http://127.0.0.1:PORT` plus the context path.
    pub fn url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// Returns `http://127.0.0.1:PORT`, the origin without the context path.
    pub fn origin(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub fn config(&self) -> &crate::Config {
        &self.shared.config
    }

    /// Returns every Jira request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Returns the issues created so far, oldest first.
    pub fn issues(&self) -> Vec<StoredIssue> {
        self.shared.lock().issues.clone()
    }

    /// Returns the violations found so far; a well-behaved client leaves this empty.
    pub fn violations(&self) -> Vec<Violation> {
        self.shared.lock().violations.clone()
    }

    /// Makes the next `fault.count` requests under `fault.path_prefix` fail or stall.
    pub fn add_fault(&self, fault: Fault) {
        self.shared.add_fault(fault);
    }

    /// Forgets issues, requests, violations and faults. The record file is left as it is.
    pub fn reset(&self) {
        self.shared.reset();
    }
}

impl Drop for FakeJira {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn build_app(shared: Arc<Shared>) -> Router {
    crate::api::router(&shared)
        .layer(axum::middleware::from_fn_with_state(shared.clone(), crate::gate::gate))
        .merge(crate::control::router())
        .with_state(shared)
}
