//! Baseline native host: reads each native-messaging frame (a 32-bit length in native
//! byte order, then the body) from stdin and writes it back unchanged on stdout. It is the
//! least work any host must do per message, so the real host's round trip is compared
//! with it.

use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    let mut frame = Vec::new();

    loop {
        let mut prefix = [0u8; 4];
        match stdin.read_exact(&mut prefix) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => return ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("bench-echo-host: reading a frame failed: {error}");
                return ExitCode::FAILURE;
            }
        }
        let length = u32::from_ne_bytes(prefix) as usize;

        // One buffer for prefix and body, so each reply is one write.
        frame.clear();
        frame.extend_from_slice(&prefix);
        frame.resize(4 + length, 0);
        if let Err(error) = stdin.read_exact(&mut frame[4..]) {
            eprintln!("bench-echo-host: the stream ended inside a frame of {length} bytes: {error}");
            return ExitCode::FAILURE;
        }
        if let Err(error) = stdout.write_all(&frame).and_then(|()| stdout.flush()) {
            eprintln!("bench-echo-host: writing a frame failed: {error}");
            return ExitCode::FAILURE;
        }
    }
}
