//! A loopback HTTP server that responds to each request with fixed bytes chosen by path
//! prefix, for responses the fake Jira cannot send: a body cut short of its
//! Content-Length, a redirect with a Location header. It records each request's head.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// A running raw site. The server thread stops when the test process ends.
pub struct RawSite {
    pub url: String,
    heads: Arc<Mutex<Vec<String>>>,
}

impl RawSite {
    /// Starts a server that responds to a request whose path starts with a route's prefix
    /// with that route's bytes, and to any other request with 404.
    pub fn start(routes: Vec<(String, Vec<u8>)>) -> RawSite {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("a local address"));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let recorded = heads.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let routes = routes.clone();
                let recorded = recorded.clone();
                std::thread::spawn(move || serve(stream, &routes, &recorded));
            }
        });
        RawSite { url, heads }
    }

    /// Returns the head (request line and headers) of every request received so far.
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

/// Serves requests on one connection until the client closes it or a route's bytes
/// ask for `Connection: close`.
fn serve(mut stream: TcpStream, routes: &[(String, Vec<u8>)], recorded: &Mutex<Vec<String>>) {
    loop {
        let Some(head) = read_head(&mut stream) else { return };
        recorded.lock().unwrap().push(head.clone());
        let path = head.split_whitespace().nth(1).unwrap_or("/");
        let not_found = b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}".to_vec();
        let answer = routes.iter().find(|(prefix, _)| path.starts_with(prefix.as_str())).map(|(_, bytes)| bytes).unwrap_or(&not_found);
        if stream.write_all(answer).is_err() {
            return;
        }
        if String::from_utf8_lossy(answer).to_ascii_lowercase().contains("connection: close") {
            return;
        }
    }
}

/// Reads up to the blank line that ends a request head; requests in these tests are
/// GETs without a body.
fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// Returns a complete JSON response with the given status line.
pub fn json_answer(status: &str, body: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// Returns the routes of a Jira Cloud site that accepts any credentials, so `connect`
/// succeeds and later requests reach the test's own routes.
pub fn cloud_connect_routes(email: &str) -> Vec<(String, Vec<u8>)> {
    vec![
        ("/rest/api/3/serverInfo".to_string(), json_answer("200 OK", r#"{"deploymentType":"Cloud","version":"1001.0.0"}"#)),
        (
            "/rest/api/3/myself".to_string(),
            json_answer("200 OK", &format!(r#"{{"accountId":"raw-1","displayName":"Raw User","emailAddress":"{email}"}}"#)),
        ),
    ]
}
