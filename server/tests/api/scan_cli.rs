//! The scanner's command line refuses what it cannot do with a clear
//! message and exit code 2 (1 is reserved for "violations found").

use std::process::Output;

fn scan(args: &[&str], path: &str) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_consent-server"))
        .arg("scan")
        .args(args)
        .env("PATH", path)
        .env_remove("CONSENT_CHROMIUM")
        .output()
        .expect("consent-server runs")
}

fn fails_with(output: &Output, message: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(message), "{message:?} in {stderr}");
}

#[test]
fn missing_chromium_names_the_package_to_install() {
    let empty = crate::helpers::temp_dir();
    let output = scan(&["http://127.0.0.1:9/"], empty.to_str().unwrap());
    fails_with(
        &output,
        "install Debian's package `chromium` (apt-get install chromium)",
    );
    let _ = std::fs::remove_dir_all(empty);
}

#[test]
fn only_http_urls_and_known_report_formats_are_accepted() {
    let path = std::env::var("PATH").unwrap_or_default();
    fails_with(
        &scan(&["file:///etc/passwd"], &path),
        "`file:///etc/passwd` is not an http(s) URL",
    );
    fails_with(
        &scan(&["http://127.0.0.1:9/", "--out", "report.txt"], &path),
        "--out report.txt: the file must end in .json or .html",
    );
}

#[test]
fn unreadable_known_cookies_and_unknown_banners_are_refused() {
    let path = std::env::var("PATH").unwrap_or_default();
    fails_with(
        &scan(
            &[
                "http://127.0.0.1:9/",
                "--known-cookies",
                "/nonexistent/own.csv",
            ],
            &path,
        ),
        "--known-cookies /nonexistent/own.csv: cannot read it",
    );
    let output = scan(&["http://127.0.0.1:9/", "--cmp", "cookiebot"], &path);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("nexxt-consent, vanilla-cookieconsent, klaro"),
        "{stderr}"
    );
}
