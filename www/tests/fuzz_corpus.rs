//! Replays the committed fuzz corpus (`fuzz/corpus/www_*/`) through the checker's fuzz
//! targets, natively on stable Rust: the same target bodies `cargo xtask fuzz` runs under
//! libFuzzer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../fuzz/src/replay.rs"]
mod replay;
#[path = "../../fuzz/src/www.rs"]
mod targets;

fn run(name: &str, target: fn(&[u8])) {
    let corpus = replay::corpus_root(env!("CARGO_MANIFEST_DIR"));
    replay::replay(&corpus, name, target);
}

#[test]
fn www_request() {
    run("www_request", targets::request);
}

#[test]
fn www_host() {
    run("www_host", targets::host);
}
