//! A TCP stream whose every read and write must finish before one fixed instant, so a peer
//! that trickles bytes cannot stretch a bounded exchange.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

pub struct DeadlineStream {
    inner: TcpStream,
    deadline: Instant,
}

impl DeadlineStream {
    pub fn new(inner: TcpStream, deadline: Instant) -> Self {
        DeadlineStream { inner, deadline }
    }

    /// Moves the deadline (the server gives writing its own budget after reading).
    pub fn set_deadline(&mut self, deadline: Instant) {
        self.deadline = deadline;
    }

    fn remaining(&self) -> io::Result<std::time::Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(io::Error::new(io::ErrorKind::TimedOut, "deadline passed"))
        } else {
            Ok(left)
        }
    }
}

impl Read for DeadlineStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.remaining()?;
        self.inner.set_read_timeout(Some(left))?;
        self.inner.read(buf).map_err(timeout_kind)
    }
}

impl Write for DeadlineStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = self.remaining()?;
        self.inner.set_write_timeout(Some(left))?;
        self.inner.write(buf).map_err(timeout_kind)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Unix reports an expired socket timeout as WouldBlock; call it what it is.
fn timeout_kind(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::WouldBlock {
        io::Error::new(io::ErrorKind::TimedOut, e)
    } else {
        e
    }
}
