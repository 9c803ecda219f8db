//! Any request against a real server on loopback (a temporary SQLite
//! ledger), with a real consent and auditor key behind the placeholders.
#![no_main]

use std::sync::OnceLock;

use consent_server::fuzzing::{HttpTarget, http_request};

fn target() -> &'static HttpTarget {
    static TARGET: OnceLock<HttpTarget> = OnceLock::new();
    TARGET.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().expect("a runtime");
            runtime.block_on(async move {
                let target = consent_server::fuzzing::spawn_target().await;
                sender.send(target).expect("the fuzzer waits");
                std::future::pending::<()>().await;
            });
        });
        receiver.recv().expect("the server starts")
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    http_request(target(), data);
});
