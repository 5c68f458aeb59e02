//! Fuzzes the decoding of one frame's bytes into a request, as the host does for every
//! frame from the browser: it must never panic, a decoded request must survive a JSON
//! round trip, every error reply must fit in the browsers' 1 MiB reply limit, and a token sent
//! in a `connect` request must never be echoed in the error.

#![no_main]

use jira_bridge_host::server::{encode_reply, parse_request};
use jira_bridge_protocol::{Outcome, ReplyFrame, RequestFrame, MAX_REPLY_BYTES};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Shortest token checked for echoes; shorter strings turn up in messages by chance.
const MIN_CHECKED_TOKEN_CHARS: usize = 8;

fuzz_target!(|data: &[u8]| {
    match parse_request(data) {
        Ok(frame) => {
            let text = serde_json::to_string(&frame).expect("a decoded request encodes");
            let again: RequestFrame = serde_json::from_str(&text).expect("an encoded request decodes");
            assert_eq!(again, frame, "the request changed in a JSON round trip");
        }
        Err((id, error)) => {
            assert!(!error.message.is_empty(), "an error without a message");

            let reply = ReplyFrame { id, outcome: Outcome::Error(error.clone()) };
            let encoded = encode_reply(&reply);
            assert!(encoded.len() <= MAX_REPLY_BYTES, "a reply of {} bytes", encoded.len());

            let token = serde_json::from_slice::<Value>(data)
                .ok()
                .and_then(|value| value.pointer("/request/token").and_then(Value::as_str).map(str::to_string));
            if let Some(token) = token.filter(|token| token.chars().count() >= MIN_CHECKED_TOKEN_CHARS) {
                let text = String::from_utf8_lossy(&encoded);
                assert!(!text.contains(&token), "the error reply repeated the token: {text}");
            }
        }
    }
});
