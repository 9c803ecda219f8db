//! Small shared-state newtypes handed to handlers through `web::Data`.

use policies::PolicySet;

/// The loaded policies of every site.
pub struct Policies(pub PolicySet);

/// The `iss` claim this deployment signs and accepts.
pub struct Issuer(pub String);

/// Page origins accepted in a consent's `url` besides the sites' own: the
/// server's loopback address when it serves the demo pages locally. Derived
/// from the bound address, never from a request's `Host`.
pub struct OwnOrigins(pub Vec<String>);

impl OwnOrigins {
    /// `http://127.0.0.1:PORT` and `http://localhost:PORT` for a loopback
    /// listener (`[::1]` for IPv6); nothing for any other address.
    pub fn of(bound: std::net::SocketAddr) -> Self {
        if !bound.ip().is_loopback() {
            return Self(Vec::new());
        }
        let port = bound.port();
        let own = match bound {
            std::net::SocketAddr::V4(a) => format!("http://{}:{port}", a.ip()),
            std::net::SocketAddr::V6(a) => format!("http://[{}]:{port}", a.ip()),
        };
        Self(vec![own, format!("http://localhost:{port}")])
    }
}
