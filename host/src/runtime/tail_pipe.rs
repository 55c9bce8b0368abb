//! A plugin's stdout or stderr, as the host keeps it: the last bytes written. Writing never fails;
//! past the capacity the oldest bytes are dropped and counted. A chatty plugin then neither traps
//! on a full pipe (wasmtime's `MemoryOutputPipe` refuses writes past its capacity, which panics a
//! Rust guest's `eprintln!`) nor loses the lines that explain its failure, which come last.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// Bytes a guest may write in one `write` call; it asks again for more.
const WRITE_PERMIT_BYTES: usize = 64 * 1024;

/// What a pipe holds once the call is over.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Captured {
    /// The last bytes written, at most the pipe's capacity.
    pub(super) tail: Vec<u8>,
    /// Bytes written before them, dropped.
    pub(super) dropped: u64,
}

/// One stream of a store: clones share the buffer, so the host reads what the guest wrote.
#[derive(Debug, Clone)]
pub(super) struct TailPipe {
    capacity: usize,
    buffer: Arc<Mutex<Tail>>,
}

#[derive(Debug, Default)]
struct Tail {
    bytes: VecDeque<u8>,
    dropped: u64,
}

impl TailPipe {
    /// A pipe that keeps the last `capacity` bytes.
    pub(super) fn new(capacity: usize) -> Self {
        TailPipe { capacity, buffer: Arc::default() }
    }

    pub(super) fn contents(&self) -> Captured {
        let tail = self.buffer.lock().expect("no panic holds the pipe's lock");
        Captured { tail: tail.bytes.iter().copied().collect(), dropped: tail.dropped }
    }

    fn push(&self, written: &[u8]) {
        let mut tail = self.buffer.lock().expect("no panic holds the pipe's lock");
        let kept = &written[written.len().saturating_sub(self.capacity)..];
        let overflow = (tail.bytes.len() + kept.len()).saturating_sub(self.capacity);
        tail.bytes.drain(..overflow);
        tail.bytes.extend(kept);
        tail.dropped += (overflow + written.len() - kept.len()) as u64;
    }
}

impl IsTerminal for TailPipe {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for TailPipe {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for TailPipe {
    async fn ready(&mut self) {}
}

impl OutputStream for TailPipe {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(WRITE_PERMIT_BYTES)
    }
}

impl tokio::io::AsyncWrite for TailPipe {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.push(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_bytes_are_kept_and_the_rest_counted() {
        let pipe = TailPipe::new(8);
        let mut stream = pipe.p2_stream();
        stream.write(Bytes::from_static(b"hello ")).unwrap();
        assert_eq!(pipe.contents(), Captured { tail: b"hello ".to_vec(), dropped: 0 });
        stream.write(Bytes::from_static(b"world")).unwrap();
        assert_eq!(pipe.contents(), Captured { tail: b"lo world".to_vec(), dropped: 3 });
        stream.write(Bytes::from_static(b"0123456789")).unwrap();
        assert_eq!(pipe.contents(), Captured { tail: b"23456789".to_vec(), dropped: 13 });
        assert_eq!(stream.check_write().unwrap(), WRITE_PERMIT_BYTES, "never full");
    }
}
