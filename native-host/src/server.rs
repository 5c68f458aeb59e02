//! Serves one browser port: reads frames from stdin, handles requests concurrently, and
//! writes each reply as a frame to stdout through a single writer task.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use jira_bridge_protocol::{ErrorCode, ErrorReply, Outcome, ReplyFrame, RequestFrame, Response, MAX_REPLY_BYTES};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, BufReader};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::framing::{read_frame, write_frame, FrameError};
use crate::host::Host;
use crate::text::shorten;

/// Replies waiting for the writer. Past this, request handling waits for stdout, which
/// keeps memory bounded when the browser reads slowly.
const REPLY_QUEUE: usize = 256;

/// Bytes read from stdin at once. A read usually takes a whole small frame, prefix and
/// body, in one system call.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// Reason a session ended.
#[derive(Debug, PartialEq, Eq)]
pub enum SessionEnd {
    /// The browser closed the port (stdin reached EOF between frames).
    Closed,
    /// The input could not be trusted any more, so the host sent the reason and stopped.
    Broken(String),
}

/// A request handler, boxed so that moving it into a task copies a pointer, not the
/// handler's whole state.
type Handler = Pin<Box<dyn Future<Output = std::thread::Result<Result<Response, ErrorReply>>> + Send>>;

/// Serves requests until the input ends. When `refusal` is set, every request gets that error
/// as its reply and nothing else is done: the caller is not allowed.
pub async fn serve<R, W>(host: Arc<Host>, reader: R, writer: W, refusal: Option<ErrorReply>) -> SessionEnd
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let mut reader = BufReader::with_capacity(READ_BUFFER_BYTES, reader);
    let (replies, queue) = mpsc::channel::<ReplyFrame>(REPLY_QUEUE);
    let writer_task = tokio::spawn(write_replies(writer, queue));
    let mut in_flight = JoinSet::new();

    let end = loop {
        // Reap finished handlers so the set does not grow over a long session.
        while in_flight.try_join_next().is_some() {}

        let bytes = match read_frame(&mut reader).await {
            Ok(bytes) => bytes,
            Err(FrameError::Closed) => break SessionEnd::Closed,
            Err(error) => {
                let code = if matches!(error, FrameError::TooLarge { .. }) { ErrorCode::MessageTooLarge } else { ErrorCode::InvalidMessage };
                let message = format!("The native host stopped reading because {error}. The extension will start a new connection.");
                log::error!("{message}");
                let _ = replies.send(error_frame(None, ErrorReply::new(code, message.clone()))).await;
                break SessionEnd::Broken(message);
            }
        };

        let frame = match parse_request(&bytes) {
            Ok(frame) => frame,
            Err((id, error)) => {
                log::warn!("rejected a frame: {}", error.message);
                if replies.send(error_frame(id, error)).await.is_err() {
                    break SessionEnd::Closed;
                }
                continue;
            }
        };

        if let Some(refusal) = &refusal {
            log::warn!("refused {} request {}: caller not allowed", frame.request.kind(), frame.id);
            let _ = replies.send(error_frame(Some(frame.id), refusal.clone())).await;
            continue;
        }

        let (id, kind) = (frame.id, frame.request.kind());
        let host = host.clone();
        let mut handler: Handler = Box::pin(catch_panic(async move { host.handle(frame.request).await }));

        // Requests that wait for nothing (ping, hello, status) finish on their first poll,
        // so this loop replies to them without spawning a task. The others move to a task
        // of their own, whose first poll registers its own waker in place of this loop's.
        if let Poll::Ready(result) = poll_once(&mut handler).await {
            if replies.send(reply_frame(id, kind, result)).await.is_err() {
                break SessionEnd::Closed;
            }
            continue;
        }
        let replies = replies.clone();
        in_flight.spawn(async move {
            let result = handler.await;
            let _ = replies.send(reply_frame(id, kind, result)).await;
        });
    };

    // Requests already read still get their replies, unless the writer is gone.
    while in_flight.join_next().await.is_some() {}
    drop(replies);
    let _ = writer_task.await;
    end
}

/// Runs `future` and returns `Err` with the panic's payload when polling it panics, so
/// that a bug in one handler becomes an error reply instead of ending the session.
async fn catch_panic<F: Future>(future: F) -> std::thread::Result<F::Output> {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(move |context| match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(context))) {
        Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
        Ok(Poll::Pending) => Poll::Pending,
        Err(payload) => Poll::Ready(Err(payload)),
    })
    .await
}

/// Polls `handler` once with the current task's waker.
async fn poll_once(handler: &mut Handler) -> Poll<std::thread::Result<Result<Response, ErrorReply>>> {
    std::future::poll_fn(|context| Poll::Ready(handler.as_mut().poll(context))).await
}

/// Builds the reply to request `id` from its handler's result, logging failures.
fn reply_frame(id: u64, kind: &str, result: std::thread::Result<Result<Response, ErrorReply>>) -> ReplyFrame {
    let outcome = match result {
        Ok(Ok(response)) => Outcome::Result(response),
        Ok(Err(error)) => {
            log::info!("{kind} request {id} failed: {error}");
            Outcome::Error(error)
        }
        Err(_panic) => {
            // The panic hook has logged the panic's message and location.
            log::error!("{kind} request {id} failed: the handler panicked");
            Outcome::Error(ErrorReply::new(ErrorCode::Internal, "The native host hit a bug while handling this request. Its log file has the details."))
        }
    };
    ReplyFrame { id: Some(id), outcome }
}

/// Parses a frame into a request, or returns the id (if readable) and the error. Public
/// so that the fuzz target can reach it.
pub fn parse_request(bytes: &[u8]) -> Result<RequestFrame, (Option<u64>, ErrorReply)> {
    let text = std::str::from_utf8(bytes).map_err(|error| {
        (None, ErrorReply::new(ErrorCode::InvalidMessage, format!("The message is not valid UTF-8 (bad byte at {}).", error.valid_up_to())))
    })?;
    // Valid requests parse in one pass. Only a rejected frame is parsed again as a
    // generic value, to find its id and type for the error reply.
    if let Ok(frame) = serde_json::from_str::<RequestFrame>(text) {
        return Ok(frame);
    }
    if text.trim().is_empty() {
        return Err((None, ErrorReply::new(ErrorCode::InvalidMessage, "The message is empty; expected a JSON request.")));
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|error| (None, ErrorReply::new(ErrorCode::InvalidMessage, format!("The message is not valid JSON: {error}."))))?;
    let id = value.get("id").and_then(Value::as_u64);
    let kind = value.pointer("/request/type").and_then(Value::as_str).map(str::to_string);

    serde_json::from_value::<RequestFrame>(value).map_err(|error| {
        let message = match (id, kind) {
            (None, _) => "The message has no numeric \"id\". Every request needs one.".to_string(),
            (Some(_), None) => "The message has no \"request\" object with a \"type\".".to_string(),
            (Some(_), Some(kind)) => format!(
                "The request \"{}\" is unknown or has invalid fields: {}. The extension may be newer than the native host.",
                shorten(&kind, 60),
                shorten(&error.to_string(), 300)
            ),
        };
        (id, ErrorReply::new(ErrorCode::InvalidMessage, message))
    })
}

fn error_frame(id: Option<u64>, error: ErrorReply) -> ReplyFrame {
    ReplyFrame { id, outcome: Outcome::Error(error) }
}

/// Encodes a reply, replacing one above the browsers' 1 MiB limit with an error.
pub fn encode_reply(reply: &ReplyFrame) -> Vec<u8> {
    let bytes = serde_json::to_vec(reply).unwrap_or_else(|error| {
        log::error!("encoding reply {:?} failed: {error}", reply.id);
        serde_json::to_vec(&error_frame(reply.id, ErrorReply::new(ErrorCode::Internal, "The reply could not be encoded."))).expect("an error reply encodes")
    });
    if bytes.len() <= MAX_REPLY_BYTES {
        return bytes;
    }
    log::warn!("reply {:?} is {} bytes, above the limit of {MAX_REPLY_BYTES}", reply.id, bytes.len());
    let error = ErrorReply::new(ErrorCode::ReplyTooLarge, "The response is larger than the browser accepts (1 MiB). Narrow the search and try again.")
        .with_details(serde_json::json!({ "bytes": bytes.len(), "max": MAX_REPLY_BYTES }));
    serde_json::to_vec(&error_frame(reply.id, error)).expect("an error reply encodes")
}

async fn write_replies<W: AsyncWrite + Unpin>(mut writer: W, mut queue: mpsc::Receiver<ReplyFrame>) {
    while let Some(reply) = queue.recv().await {
        if let Err(error) = write_frame(&mut writer, &encode_reply(&reply)).await {
            log::warn!("writing a reply failed ({error}); the browser closed the port");
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn catch_panic_passes_output() {
        let result = catch_panic(async { 7 }).await;

        assert_eq!(result.ok(), Some(7));
    }

    #[tokio::test]
    async fn catch_panic_after_await_returns_err() {
        let result = catch_panic(async {
            tokio::task::yield_now().await;
            panic!("handler bug");
        })
        .await;

        let payload = result.expect_err("a panic should become Err");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"handler bug"));
    }

    #[test]
    fn panicked_handler_replies_internal_error() {
        let reply = reply_frame(9, "ping", Err(Box::new("handler bug")));

        assert_eq!(reply.id, Some(9));
        let Outcome::Error(error) = reply.outcome else { panic!("expected an error reply, got {reply:?}") };
        assert_eq!(error.code, ErrorCode::Internal);
    }

    #[test]
    fn parse_valid_request_in_one_pass() {
        let frame = parse_request(br#"{"id": 3, "request": {"type": "ping"}}"#).unwrap();

        assert_eq!(frame.id, 3);
        assert_eq!(frame.request.kind(), "ping");
    }

    #[test]
    fn parse_duplicate_key_keeps_last_value() {
        // The typed parse rejects duplicate fields, so this frame takes the generic path,
        // which keeps the last value of a repeated key.
        let frame = parse_request(br#"{"id": 1, "id": 2, "request": {"type": "ping"}}"#).unwrap();

        assert_eq!(frame.id, 2);
    }

    #[test]
    fn parse_unknown_type_keeps_id() {
        let (id, error) = parse_request(br#"{"id": 5, "request": {"type": "fly"}}"#).unwrap_err();

        assert_eq!(id, Some(5));
        assert!(error.message.contains("The request \"fly\" is unknown"), "message: {}", error.message);
    }

    #[test]
    fn parse_empty_frame_rejected() {
        let (id, error) = parse_request(b"  ").unwrap_err();

        assert_eq!(id, None);
        assert!(error.message.contains("The message is empty"), "message: {}", error.message);
    }
}
