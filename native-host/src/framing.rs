//! Native messaging framing: a 32-bit length in native byte order, then that many bytes
//! of UTF-8 JSON. Chromium and Firefox both use this on the host's stdin and stdout.

use byteorder::{ByteOrder, NativeEndian};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Largest request frame the host reads. The browsers send at most 64 MiB to a host,
/// and every real request is far smaller.
pub const MAX_INCOMING_BYTES: u32 = 64 * 1024 * 1024;

/// Bytes reserved up front for a frame's body; larger bodies grow the buffer as they arrive.
const INITIAL_BUFFER_BYTES: usize = 64 * 1024;

/// Error reading a frame.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The stream ended between frames: the browser closed the port.
    #[error("the browser closed the port")]
    Closed,
    /// The stream ended inside a frame.
    #[error("the stream ended after {received} of {expected} bytes of a frame")]
    Truncated { expected: u32, received: usize },
    /// The length prefix is above the cap; the body was not read.
    #[error("a frame of {length} bytes exceeds the limit of {MAX_INCOMING_BYTES} bytes")]
    TooLarge { length: u32 },
    #[error("reading a frame failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Reads one frame's bytes. A zero-length frame is returned as an empty vector, for the
/// caller to reject as invalid JSON while the stream stays aligned.
pub async fn read_frame<R: AsyncRead + Unpin>(reader: &mut R) -> Result<Vec<u8>, FrameError> {
    let mut prefix = [0u8; 4];
    let mut filled = 0;
    while filled < prefix.len() {
        let count = reader.read(&mut prefix[filled..]).await?;
        if count == 0 {
            return Err(if filled == 0 {
                FrameError::Closed
            } else {
                FrameError::Truncated { expected: 4, received: filled }
            });
        }
        filled += count;
    }

    let length = NativeEndian::read_u32(&prefix);
    if length > MAX_INCOMING_BYTES {
        return Err(FrameError::TooLarge { length });
    }

    // The buffer grows as bytes arrive, so a length prefix alone cannot make the host
    // reserve up to the cap.
    let mut body = Vec::with_capacity((length as usize).min(INITIAL_BUFFER_BYTES));
    let received = (&mut *reader).take(u64::from(length)).read_to_end(&mut body).await?;
    if received < length as usize {
        return Err(FrameError::Truncated { expected: length, received });
    }
    Ok(body)
}

/// Writes one frame and flushes it, so the reply reaches the browser at once.
pub async fn write_frame<W: AsyncWrite + Unpin>(writer: &mut W, body: &[u8]) -> std::io::Result<()> {
    let length = u32::try_from(body.len())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "frame longer than 4 GiB"))?;
    // One buffer, so that a reply is one write on the pipe.
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&length.to_ne_bytes());
    frame.extend_from_slice(body);

    writer.write_all(&frame).await?;
    writer.flush().await
}

/// Encodes a frame into a buffer, for tests and the command-line `ping`.
pub fn encode_frame(body: &[u8]) -> Vec<u8> {
    let mut framed = vec![0u8; 4];
    NativeEndian::write_u32(&mut framed, body.len() as u32);
    framed.extend_from_slice(body);
    framed
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read_all(bytes: &[u8]) -> Vec<Result<Vec<u8>, String>> {
        let mut reader = bytes;
        let mut frames = Vec::new();
        loop {
            match read_frame(&mut reader).await {
                Ok(frame) => frames.push(Ok(frame)),
                Err(FrameError::Closed) => break,
                Err(error) => {
                    frames.push(Err(error.to_string()));
                    break;
                }
            }
        }
        frames
    }

    #[tokio::test]
    async fn two_glued_frames_read_separately() {
        let mut bytes = encode_frame(b"{\"a\":1}");
        bytes.extend(encode_frame(b"{\"b\":2}"));

        let frames = read_all(&bytes).await;

        assert_eq!(frames, vec![Ok(b"{\"a\":1}".to_vec()), Ok(b"{\"b\":2}".to_vec())]);
    }

    #[tokio::test]
    async fn zero_length_frame_is_empty() {
        let frames = read_all(&encode_frame(b"")).await;

        assert_eq!(frames, vec![Ok(Vec::new())]);
    }

    #[tokio::test]
    async fn oversized_length_rejected_without_reading() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&u32::MAX.to_ne_bytes());

        let frames = read_all(&bytes).await;

        assert_eq!(frames.len(), 1);
        let error = frames[0].as_ref().unwrap_err();
        assert!(error.contains("exceeds the limit"), "unexpected error: {error}");
    }

    #[tokio::test]
    async fn body_shorter_than_length_truncated() {
        let mut bytes = encode_frame(b"{\"id\":1}");
        bytes.truncate(bytes.len() - 3);

        let frames = read_all(&bytes).await;

        let error = frames[0].as_ref().unwrap_err();
        assert!(error.contains("ended after 5 of 8 bytes"), "unexpected error: {error}");
    }

    #[tokio::test]
    async fn cut_length_prefix_truncated() {
        let frames = read_all(&[1, 0]).await;

        let error = frames[0].as_ref().unwrap_err();
        assert!(error.contains("2 of 4 bytes"), "unexpected error: {error}");
    }
}
