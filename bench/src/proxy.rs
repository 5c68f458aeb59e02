//! A TCP forwarder on 127.0.0.1 that counts the connections it accepts, to show whether
//! the host reuses its connection to Jira across calls.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

pub struct CountingProxy {
    pub address: SocketAddr,
    accepted: Arc<AtomicUsize>,
}

impl CountingProxy {
    /// Listens on a free port of 127.0.0.1 and forwards each connection to `upstream`.
    /// The threads live until the benchmark exits.
    pub fn start(upstream: SocketAddr) -> std::io::Result<CountingProxy> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let address = listener.local_addr()?;
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();

        std::thread::Builder::new().name("proxy".into()).spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                counter.fetch_add(1, Ordering::SeqCst);
                let Ok(server) = TcpStream::connect(upstream) else {
                    eprintln!("jira-bridge-bench: the proxy could not reach {upstream}");
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (Ok(client_copy), Ok(server_copy)) = (client.try_clone(), server.try_clone()) else { continue };
                std::thread::spawn(move || pipe(client, server));
                std::thread::spawn(move || pipe(server_copy, client_copy));
            }
        })?;
        Ok(CountingProxy { address, accepted })
    }

    /// Returns the number of TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// Copies bytes from one socket to the other until the first closes its side.
fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(count) => {
                if to.write_all(&buffer[..count]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
