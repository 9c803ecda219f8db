//! sea-orm entities: the database's view of the rows, private to `storage`.

pub mod audit_log;
pub mod auditor;
pub mod checkpoint;
pub mod consent_event;
pub mod ledger_chain;
pub mod policy_document;
pub mod signing_key;
