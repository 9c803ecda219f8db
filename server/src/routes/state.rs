//! Small shared-state newtypes handed to handlers through `web::Data`.

use policies::PolicySet;

/// The loaded policies of every site.
pub struct Policies(pub PolicySet);

/// The `iss` claim this deployment signs and accepts.
pub struct Issuer(pub String);
