//! Fuzzes the native-messaging frame reader with arbitrary stdin bytes: it must never
//! panic, never return a frame above the cap, and consume exactly the bytes of each frame
//! it returns, so the stream stays aligned.

#![no_main]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use jira_bridge_host::framing::{encode_frame, read_frame, FrameError, MAX_INCOMING_BYTES};
use libfuzzer_sys::fuzz_target;

/// Runs a future that never waits: reading from a byte slice is always ready, so no
/// runtime is needed.
fn run_ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut reader = data;
    loop {
        let before = reader;
        match run_ready(read_frame(&mut reader)) {
            Ok(frame) => {
                assert!(frame.len() <= MAX_INCOMING_BYTES as usize, "a frame of {} bytes passed the cap", frame.len());
                let consumed = &before[..before.len() - reader.len()];
                assert_eq!(consumed, encode_frame(&frame).as_slice(), "the reader consumed other bytes than the frame's");
            }
            Err(FrameError::Closed) => {
                assert!(before.is_empty(), "Closed was returned with {} bytes left", before.len());
                return;
            }
            Err(FrameError::TooLarge { length }) => {
                assert!(length > MAX_INCOMING_BYTES, "a length of {length} bytes was called too large");
                return;
            }
            Err(FrameError::Truncated { expected, received }) => {
                assert!((received as u64) < u64::from(expected), "truncated after {received} of {expected} bytes");
                return;
            }
            Err(FrameError::Io(error)) => panic!("reading a byte slice failed: {error}"),
        }
    }
});
