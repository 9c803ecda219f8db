//! A minimal HTTP/1.1 keep-alive client: the load driver must cost as
//! little CPU as possible, since it shares the machine with the server.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One connection, reused for every request a worker sends.
pub struct Connection {
    stream: BufReader<TcpStream>,
    line: String,
    body: Vec<u8>,
}

/// What came back: status and body.
pub struct Answer<'a> {
    pub status: u16,
    pub body: &'a [u8],
}

impl Connection {
    pub async fn open(address: &str) -> io::Result<Self> {
        let stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream: BufReader::new(stream),
            line: String::new(),
            body: Vec::new(),
        })
    }

    /// Sends `request` (complete bytes) and reads the whole answer.
    pub async fn call(&mut self, request: &[u8]) -> io::Result<Answer<'_>> {
        self.stream.get_mut().write_all(request).await?;
        self.line.clear();
        if self.stream.read_line(&mut self.line).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let status = self
            .line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::other(format!("bad status line {:?}", self.line)))?;
        let mut length = 0usize;
        loop {
            self.line.clear();
            if self.stream.read_line(&mut self.line).await? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let header = self.line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().map_err(io::Error::other)?;
            }
        }
        self.body.resize(length, 0);
        self.stream.read_exact(&mut self.body).await?;
        Ok(Answer {
            status,
            body: &self.body,
        })
    }
}

/// A request as bytes, built once and sent many times.
pub fn request(
    method: &str,
    host: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        out.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Builds each request a worker sends (some servers need a fresh id per request).
pub type MakeRequest = Arc<dyn Fn() -> Vec<u8> + Send + Sync>;

/// The same bytes every time.
pub fn fixed(request: Vec<u8>) -> MakeRequest {
    Arc::new(move || request.clone())
}

/// Latencies of one run, in microseconds.
#[derive(Default)]
pub struct Samples {
    pub micros: Vec<u32>,
    pub by_status: std::collections::BTreeMap<u16, u64>,
    pub errors: u64,
}

impl Samples {
    pub fn record(&mut self, status: u16, took: Duration) {
        self.micros
            .push(took.as_micros().min(u128::from(u32::MAX)) as u32);
        *self.by_status.entry(status).or_default() += 1;
    }

    pub fn merge(&mut self, other: Samples) {
        self.micros.extend(other.micros);
        for (status, n) in other.by_status {
            *self.by_status.entry(status).or_default() += n;
        }
        self.errors += other.errors;
    }

    /// The `q` quantile (0..=1) in milliseconds.
    pub fn quantile_ms(&mut self, q: f64) -> f64 {
        if self.micros.is_empty() {
            return f64::NAN;
        }
        self.micros.sort_unstable();
        let index = ((self.micros.len() - 1) as f64 * q).round() as usize;
        f64::from(self.micros[index]) / 1000.0
    }

    pub fn count(&self, status: u16) -> u64 {
        self.by_status.get(&status).copied().unwrap_or(0)
    }

    /// Answers with a 2xx status.
    pub fn successes(&self) -> u64 {
        self.by_status.range(200..300).map(|(_, n)| n).sum()
    }
}

/// Closed loop: `connections` workers, each sending the next request as
/// soon as the last was answered, for `duration`.
pub async fn closed_loop(
    address: &str,
    request: &MakeRequest,
    connections: usize,
    duration: Duration,
) -> Samples {
    let deadline = Instant::now() + duration;
    let mut workers = Vec::new();
    for _ in 0..connections {
        let (address, request) = (address.to_owned(), request.clone());
        workers.push(tokio::spawn(async move {
            let mut samples = Samples::default();
            let Ok(mut connection) = Connection::open(&address).await else {
                samples.errors += 1;
                return samples;
            };
            while Instant::now() < deadline {
                let bytes = request();
                let started = Instant::now();
                match connection.call(&bytes).await {
                    Ok(answer) => samples.record(answer.status, started.elapsed()),
                    Err(_) => {
                        samples.errors += 1;
                        match Connection::open(&address).await {
                            Ok(fresh) => connection = fresh,
                            Err(_) => break,
                        }
                    }
                }
            }
            samples
        }));
    }
    let mut all = Samples::default();
    for worker in workers {
        all.merge(worker.await.expect("worker runs"));
    }
    all
}

/// Open loop: requests at a fixed `rate` per second spread over
/// `connections`; latency counts from when a request was due, so a slow
/// answer that delays the next one is not hidden (coordinated omission).
/// Every connection is open before the schedule starts: a connect that
/// waits out a SYN retry is set-up, not an answer's latency.
pub async fn open_loop(
    address: &str,
    request: &MakeRequest,
    rate: f64,
    connections: usize,
    duration: Duration,
) -> Samples {
    let interval = Duration::from_secs_f64(connections as f64 / rate);
    let mut opened = Vec::new();
    for _ in 0..connections {
        let address = address.to_owned();
        opened.push(tokio::spawn(
            async move { Connection::open(&address).await },
        ));
    }
    let mut ready = Vec::new();
    let mut failed = Samples::default();
    for connection in opened {
        match connection.await.expect("connect task runs") {
            Ok(connection) => ready.push(connection),
            Err(_) => failed.errors += 1,
        }
    }
    let start = Instant::now();
    let mut workers = Vec::new();
    for (n, mut connection) in ready.into_iter().enumerate() {
        let request = request.clone();
        let offset = interval.mul_f64(n as f64 / connections as f64);
        workers.push(tokio::spawn(async move {
            let mut samples = Samples::default();
            let mut due = start + offset;
            while due < start + duration {
                let bytes = request();
                tokio::time::sleep_until(due.into()).await;
                match connection.call(&bytes).await {
                    Ok(answer) => samples.record(answer.status, due.elapsed()),
                    Err(_) => samples.errors += 1,
                }
                due += interval;
            }
            samples
        }));
    }
    let mut all = failed;
    for worker in workers {
        all.merge(worker.await.expect("worker runs"));
    }
    all
}
