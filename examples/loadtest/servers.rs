//! The servers under load, each a child process of the driver: this same
//! executable started in a server mode, so nothing needs building first.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A server child; killed when dropped.
pub struct ServerChild {
    child: Child,
    pub address: String,
}

impl ServerChild {
    /// `consent-server` with `args`, exactly as the binary runs it
    /// (logging included), on a free port and without a write limit.
    pub fn consent(args: &[&str]) -> anyhow::Result<Self> {
        let mut all = vec![
            "consent-server",
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--checkpoint-interval",
            "0",
            "--write-rate-limit",
            "0",
        ];
        all.extend_from_slice(args);
        Self::start(&all)
    }

    /// The ceiling: actix-web answering the same routes without doing
    /// anything, and a route that only signs a token.
    pub fn noop() -> anyhow::Result<Self> {
        Self::start(&["noop"])
    }

    /// The peer: c15t's backend under Node.js (`examples/peers/c15t`), on
    /// the PostgreSQL database `url`.
    pub fn c15t(script: &std::path::Path, url: &str) -> anyhow::Result<Self> {
        let mut command = Command::new("node");
        command
            .arg(script)
            .env("DATABASE_URL", url)
            .env("PORT", "0");
        Self::spawn(command)
    }

    /// CPU time the child has used so far, user and system, all threads,
    /// in seconds; `None` where `/proc` does not tell (not Linux). A
    /// database server's own processes are not in it.
    pub fn cpu_seconds(&self) -> Option<f64> {
        // /proc counts in USER_HZ, which Linux fixes at 100 on the
        // architectures this runs on.
        const USER_HZ: f64 = 100.0;
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        // The command name is in parentheses and may hold spaces; after it
        // come the state (field 3) ... utime (14) and stime (15).
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
        Some((ticks(11)? + ticks(12)?) / USER_HZ)
    }

    fn start(args: &[&str]) -> anyhow::Result<Self> {
        let mut command = Command::new(std::env::current_exe()?);
        command
            .args(args)
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .env_remove("DATABASE_URL");
        Self::spawn(command)
    }

    /// Starts `command` and waits for the `address=HOST:PORT` it logs.
    fn spawn(mut command: Command) -> anyhow::Result<Self> {
        let mut child = command
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()?;
        let stderr = child.stderr.take().expect("piped");
        let (found_tx, found) = std::sync::mpsc::channel();
        // Reads until the address shows, then keeps draining the log so
        // the server never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut found_tx = Some(found_tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("address=").nth(1)
                    && let Some(tx) = found_tx.take()
                {
                    let address: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                        .collect();
                    let _ = tx.send(address);
                }
            }
        });
        let Ok(address) = found.recv_timeout(Duration::from_secs(60)) else {
            // Not left running behind us, holding its port and database.
            let _ = child.kill();
            let _ = child.wait();
            anyhow::bail!(
                "the server did not log `address=` within 60 s (a RUST_LOG below info hides it); run it alone to see why"
            );
        };
        Ok(Self { child, address })
    }
}

impl Drop for ServerChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Child mode `noop`: one 201 and one 200 route that do nothing, and one
/// 201 route that does nothing but sign a consent token, with the server's
/// own key type and signing path: what any signed answer costs at least.
pub fn run_noop() -> std::io::Result<()> {
    use actix_web::{App, HttpResponse, HttpServer, web};
    let dir = std::env::temp_dir().join(format!("loadtest-noop-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let key = consent_server::tokens::SigningKey::load_or_generate(&dir)
        .map_err(std::io::Error::other)?;
    let _ = std::fs::remove_dir_all(&dir);
    let key = web::Data::new(key);
    let template = web::Data::new(www_claims()?);
    actix_web::rt::System::new().block_on(async {
        let server = HttpServer::new(move || {
            App::new()
                .app_data(key.clone())
                .app_data(template.clone())
                .route(
                    "/v1/consents",
                    web::post().to(|_body: web::Bytes| async {
                        HttpResponse::Created()
                            .content_type("application/json")
                            .body(r#"{"ok":true}"#)
                    }),
                )
                .route("/signed/v1/consents", web::post().to(sign_only))
                .route(
                    "/v1/consents/{id}",
                    web::get().to(|| async {
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .body(r#"{"ok":true}"#)
                    }),
                )
        })
        .bind("127.0.0.1:0")?;
        let address = server.addrs()[0];
        eprintln!("noop listening address={address}");
        server.run().await
    })
}

/// Signs the claims a full consent to the shipped `www` policy gets, with a
/// fresh id and times, and answers with the token; reads nothing of the
/// request.
async fn sign_only(
    _body: actix_web::web::Bytes,
    key: actix_web::web::Data<consent_server::tokens::SigningKey>,
    template: actix_web::web::Data<consent_server::tokens::ConsentClaims>,
) -> actix_web::HttpResponse {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = consent_server::tokens::ConsentClaims {
        sub: uuid::Uuid::now_v7().to_string(),
        iat: now,
        exp: now + 3600,
        ..template.get_ref().clone()
    };
    let token = key.sign(&claims);
    actix_web::HttpResponse::Created()
        .content_type("application/json")
        .body(format!(r#"{{"token":"{token}"}}"#))
}

/// What a token for accepting everything on the shipped `www` policy claims,
/// but for its id and times.
fn www_claims() -> std::io::Result<consent_server::tokens::ConsentClaims> {
    let policies = policies::PolicySet::shipped().map_err(std::io::Error::other)?;
    let www = policies
        .site("www")
        .ok_or_else(|| std::io::Error::other("the shipped policies have no www site"))?;
    Ok(consent_server::tokens::ConsentClaims {
        iss: "http://127.0.0.1".into(),
        sub: String::new(),
        aud: "www".into(),
        iat: 0,
        exp: 0,
        pv: www.policy.site.version.clone(),
        ph: www.hash.clone(),
        cat: www.policy.category_ids().map(str::to_owned).collect(),
        gpc: false,
    })
}

/// Child mode `consent-server …`: the real command line.
pub fn run_consent_server(args: Vec<String>) -> std::process::ExitCode {
    use clap::Parser;
    consent_server::cli::Cli::parse_from(args).main()
}
