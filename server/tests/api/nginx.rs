//! A real nginx (Debian's package) in front of a test server, as a site
//! that serves the consent paths on its own origin (README: Safari's cookie
//! cap): it passes `Host` on and adds the visitor to `X-Forwarded-For`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const NGINX: &str = "/usr/sbin/nginx";

pub struct Nginx {
    child: Child,
    dir: PathBuf,
    /// `http://127.0.0.1:PORT`: the site's origin.
    pub origin: String,
}

/// A port free now, for an nginx started later (the site's policy must
/// name its origin before the consent server starts).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Nginx {
    /// nginx on `port` proxying everything to `upstream` (`http://…`), or
    /// `None` (announced) when nginx is not installed; under `CI=true` it
    /// must be.
    pub fn start(port: u16, upstream: &str) -> Option<Self> {
        if !std::path::Path::new(NGINX).exists() {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "CI=true but nginx is missing: apt-get install nginx-light"
            );
            eprintln!("\n!!! nginx missing: proxy test SKIPPED (apt-get install nginx-light)\n");
            return None;
        }
        let dir = crate::helpers::temp_dir();
        let d = dir.display();
        let config = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  \
             fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  \
             server {{\n    listen 127.0.0.1:{port};\n    location / {{\n      proxy_pass {upstream};\n      \
             proxy_set_header Host $http_host;\n      \
             proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n      \
             proxy_set_header X-Forwarded-Proto $scheme;\n    }}\n  }}\n}}\n"
        );
        std::fs::write(dir.join("nginx.conf"), config).unwrap();
        let child = Command::new(NGINX)
            .args(["-e", &format!("{d}/error.log"), "-c"])
            .arg(dir.join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "nginx did not listen on {port}: {}",
                std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Self {
            child,
            dir,
            origin: format!("http://127.0.0.1:{port}"),
        })
    }
}

/// The www site served on nginx's origin: its policy names that origin,
/// and the consent server behind nginx trusts it as its proxy. Returns
/// nginx, that server and the app whose database both share; `None` when
/// nginx is not installed (see [`Nginx::start`]).
pub async fn proxied_site() -> Option<(Nginx, crate::helpers::TestApp, crate::helpers::TestApp)> {
    use crate::helpers::{Backend, policies_with_www, spawn_app, spawn_behind};
    let port = free_port();
    let policies = policies_with_www(|www| {
        www.replacen(
            "origins = [",
            &format!("origins = [\"http://127.0.0.1:{port}\", "),
            1,
        )
        .replacen("version = \"", "version = \"proxied-", 1)
    });
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let server = spawn_behind(
        &app.db_url,
        &app.data_dir,
        Some(policies),
        0,
        &["127.0.0.1"],
    )
    .await;
    let nginx = Nginx::start(port, &server.address)?;
    Some((nginx, server, app))
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
