//! The real `consent-server` binary as a child process, with its log read
//! line by line: for what only a separate process can show (what reaches
//! the log, what survives a SIGKILL).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::thread::JoinHandle;
use std::time::Duration;

pub struct ServerProcess {
    child: Child,
    /// `host:port` it listens on.
    pub address: String,
    lines: Receiver<String>,
    reader: Option<JoinHandle<()>>,
}

impl ServerProcess {
    /// Starts `consent-server serve` on a free port with `args` added, and
    /// waits until it logs that it listens.
    pub fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_consent-server"))
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--checkpoint-interval",
                "0",
            ])
            .args(args)
            .env_remove("RUST_LOG")
            .env_remove("DATABASE_URL")
            .stderr(Stdio::piped())
            .spawn()
            .expect("server starts");
        let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
        let stderr = child.stderr.take().unwrap();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = lines_tx.send(line);
            }
        });
        let address = loop {
            let line = lines
                .recv_timeout(Duration::from_secs(60))
                .expect("the server logs its address");
            if let Some(rest) = line
                .split("address=")
                .nth(1)
                .filter(|_| line.contains("listening"))
            {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        Self {
            child,
            address,
            lines,
            reader: Some(reader),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// SIGKILL: no shutdown, no flush, nothing the server can react to.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL delivered");
        self.child.wait().unwrap();
    }

    /// Kills the server and returns every line it logged.
    pub fn kill_and_read_log(mut self) -> Vec<String> {
        self.kill();
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap(); // every line up to the kill has been read
        }
        self.lines.try_iter().collect()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
