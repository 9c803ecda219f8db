//! Where log lines go: a buffer that a thread of its own writes out, woken
//! by the first line after a quiet spell and otherwise at most every few
//! milliseconds, so that a busy server does not wake a thread per line.
//!
//! Through `tracing-appender` every line was a message on a channel whose
//! receiving thread, idle between lines, had to be woken for each: under
//! write load that thread's context switches, and the requests' threads
//! waking it, were 5–10% of the server's CPU. Here a line is appended to a
//! shared buffer under a lock. An idle writer is woken at once, so a quiet
//! server's lines are out as soon as they are logged (a killed process
//! loses none of them); after a large write the writer lets lines gather
//! for `FLUSH_EVERY` (less when the buffer fills) and takes them together.
//! Nothing is dropped: when the buffer is full, logging waits for it to
//! drain, as a full bounded queue would.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How long lines gather after a busy write.
const FLUSH_EVERY: Duration = Duration::from_millis(20);
/// Bytes in one write that count as busy: some twenty lines.
const BUSY_AT: usize = 4 * 1024;
/// Buffered bytes at which the writer is woken before its time.
const WRITE_AT: usize = 64 * 1024;
/// Buffered bytes at which logging waits for the writer.
const FULL_AT: usize = 4 * 1024 * 1024;

/// The sink: a `MakeWriter` for `tracing_subscriber::fmt`.
#[derive(Clone)]
pub struct LogSink {
    shared: Arc<Shared>,
}

/// Stops the writer thread when dropped, after writing out what is left.
pub struct SinkGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    /// The writer's wake-up: a line for an idle writer, more than
    /// `WRITE_AT` buffered, or stopping.
    wake: Condvar,
    /// Logging threads waiting for a full buffer to drain.
    drained: Condvar,
}

#[derive(Default)]
struct State {
    buffer: Vec<u8>,
    /// The writer waits for a first line.
    idle: bool,
    stopping: bool,
}

impl LogSink {
    /// A sink writing to `out` from a thread named `log-writer`.
    ///
    /// # Panics
    /// When the thread cannot be started.
    pub fn start(mut out: impl Write + Send + 'static) -> (Self, SinkGuard) {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            drained: Condvar::new(),
        });
        let writer = shared.clone();
        let thread = std::thread::Builder::new()
            .name("log-writer".into())
            .spawn(move || writer.run(&mut out))
            .expect("the log writer thread starts");
        let guard = SinkGuard {
            shared: shared.clone(),
            thread: Some(thread),
        };
        (Self { shared }, guard)
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves only bytes behind.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn run(&self, out: &mut impl Write) {
        let mut spare = Vec::new();
        let mut busy = false;
        loop {
            let mut state = self.lock();
            if busy && state.buffer.len() < WRITE_AT && !state.stopping {
                state = self
                    .wake
                    .wait_timeout(state, FLUSH_EVERY)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            while state.buffer.is_empty() && !state.stopping {
                state.idle = true;
                state = self.wake.wait(state).unwrap_or_else(|e| e.into_inner());
            }
            state.idle = false;
            std::mem::swap(&mut state.buffer, &mut spare);
            let stopping = state.stopping;
            drop(state);
            self.drained.notify_all();
            busy = spare.len() >= BUSY_AT;
            if !spare.is_empty() {
                // Where stderr is gone there is nowhere left to say so.
                let _ = out.write_all(&spare).and_then(|()| out.flush());
                spare.clear();
            }
            if stopping && self.lock().buffer.is_empty() {
                return;
            }
        }
    }

    fn append(&self, line: &[u8]) {
        let mut state = self.lock();
        while state.buffer.len() >= FULL_AT && !state.stopping {
            self.wake.notify_one();
            state = self.drained.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.buffer.extend_from_slice(line);
        if state.idle || state.buffer.len() >= WRITE_AT {
            state.idle = false;
            self.wake.notify_one();
        }
    }
}

impl Drop for SinkGuard {
    fn drop(&mut self) {
        self.shared.lock().stopping = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One line's writer: `fmt` formats a whole line and writes it at once.
pub struct LineWriter<'a>(&'a Shared);

impl Write for LineWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.append(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogSink {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter(&self.shared)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use tracing_subscriber::fmt::MakeWriter;

    use super::{FULL_AT, LogSink};

    /// An output that is slow to take each write, as a blocked pipe is.
    #[derive(Clone, Default)]
    struct Slow(Arc<Mutex<Vec<u8>>>);

    impl Write for Slow {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            std::thread::sleep(Duration::from_millis(5));
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_is_written_once_in_order_even_past_a_full_buffer() {
        let out = Slow::default();
        let (sink, guard) = LogSink::start(out.clone());
        let lines_per_thread = 40_000; // about 2 MB each: twice past full
        let threads: Vec<_> = (0..2)
            .map(|t| {
                let sink = sink.clone();
                std::thread::spawn(move || {
                    for i in 0..lines_per_thread {
                        let line = format!("thread {t} line {i:06} {}\n", "x".repeat(32));
                        sink.make_writer().write_all(line.as_bytes()).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        drop(guard);
        let written = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(written.len() > FULL_AT, "the test fills the buffer");
        for t in 0..2 {
            let prefix = format!("thread {t} line ");
            let numbers: Vec<usize> = written
                .lines()
                .filter_map(|l| l.strip_prefix(&prefix))
                .map(|rest| rest[..6].parse().unwrap())
                .collect();
            assert_eq!(numbers, (0..lines_per_thread).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_lone_line_is_written_without_waiting_for_more() {
        let out = Slow::default();
        let (sink, _guard) = LogSink::start(out.clone());
        sink.make_writer().write_all(b"one line\n").unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while out.0.lock().unwrap().is_empty() {
            assert!(Instant::now() < deadline, "the line was never written");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(out.0.lock().unwrap().as_slice(), b"one line\n");
    }
}
