//! Serves one browser port: reads frames from stdin, handles requests concurrently, and
//! writes each reply as a frame to stdout through a single writer task.

use std::sync::Arc;

use jira_bridge_protocol::{ErrorCode, ErrorReply, Outcome, ReplyFrame, RequestFrame, MAX_REPLY_BYTES};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::framing::{read_frame, write_frame, FrameError};
use crate::host::Host;
use crate::text::shorten;

/// Replies waiting for the writer. Past this, request handling waits for stdout, which
/// keeps memory bounded when the browser reads slowly.
const REPLY_QUEUE: usize = 256;

/// Reason a session ended.
#[derive(Debug, PartialEq, Eq)]
pub enum SessionEnd {
    /// The browser closed the port (stdin reached EOF between frames).
    Closed,
    /// The input could not be trusted any more; the host said why and stopped.
    Broken(String),
}

/// Serves requests until the input ends. When `refusal` is set, every request is answered
/// with that error and nothing else is done: the caller is not allowed.
pub async fn serve<R, W>(host: Arc<Host>, mut reader: R, writer: W, refusal: Option<ErrorReply>) -> SessionEnd
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
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

        let host = host.clone();
        let replies = replies.clone();
        in_flight.spawn(async move {
            let id = frame.id;
            let kind = frame.request.kind();
            // A handler runs in its own task so that a panic becomes an error reply
            // instead of ending the session.
            let outcome = match tokio::spawn(async move { host.handle(frame.request).await }).await {
                Ok(Ok(response)) => Outcome::Result(response),
                Ok(Err(error)) => {
                    log::info!("{kind} request {id} failed: {error}");
                    Outcome::Error(error)
                }
                Err(join_error) => {
                    log::error!("{kind} request {id} failed: the handler {}", if join_error.is_panic() { "panicked" } else { "was cancelled" });
                    Outcome::Error(ErrorReply::new(ErrorCode::Internal, "The native host hit a bug while handling this request. Its log file has the details."))
                }
            };
            let _ = replies.send(ReplyFrame { id: Some(id), outcome }).await;
        });
    };

    // Requests already read still get their replies, unless the writer is gone.
    while in_flight.join_next().await.is_some() {}
    drop(replies);
    let _ = writer_task.await;
    end
}

/// Parses a frame into a request, or returns the id (if readable) and the error. Public
/// so that the fuzz target can reach it.
pub fn parse_request(bytes: &[u8]) -> Result<RequestFrame, (Option<u64>, ErrorReply)> {
    let text = std::str::from_utf8(bytes).map_err(|error| {
        (None, ErrorReply::new(ErrorCode::InvalidMessage, format!("The message is not valid UTF-8 (bad byte at {}).", error.valid_up_to())))
    })?;
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
    let error = ErrorReply::new(ErrorCode::ReplyTooLarge, "The answer is larger than the browser accepts (1 MiB). Narrow the search and try again.")
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
