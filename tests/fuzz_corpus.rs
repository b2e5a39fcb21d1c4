//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) through the core's fuzz targets,
//! natively on stable Rust: the same target bodies `cargo xtask fuzz` runs under libFuzzer.
// Native only: the corpus is read from disk.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../fuzz/src/replay.rs"]
mod replay;
#[path = "../fuzz/src/doctor.rs"]
mod targets;

use std::path::PathBuf;

type Target = fn(&[u8]);

/// The core's targets; the `www_` ones are replayed by `www/tests/fuzz_corpus.rs`.
const TARGETS: [(&str, Target); 6] = [
    ("diagnose", targets::diagnose),
    ("page", targets::page),
    ("retry_after", targets::retry_after),
    ("checker_answer", targets::checker_answer),
    ("doh_answer", targets::doh_answer),
    ("settings", targets::settings),
];

fn corpus() -> PathBuf {
    replay::corpus_root(env!("CARGO_MANIFEST_DIR"))
}

fn run(name: &str) {
    let (_, target) = TARGETS.iter().find(|(n, _)| *n == name).unwrap();
    replay::replay(&corpus(), name, *target);
}

#[test]
fn diagnose() {
    run("diagnose");
}

#[test]
fn page() {
    run("page");
}

#[test]
fn retry_after() {
    run("retry_after");
}

#[test]
fn checker_answer() {
    run("checker_answer");
}

#[test]
fn doh_answer() {
    run("doh_answer");
}

#[test]
fn settings() {
    run("settings");
}

/// Every fuzz target has a corpus and is replayed here or, for the checker's, in www's tests.
#[test]
fn every_fuzz_target_is_replayed() {
    let folder = corpus().with_file_name("fuzz_targets");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter_map(|path| Some(path.file_stem()?.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    assert!(names.len() >= TARGETS.len(), "{names:?}");
    for name in &names {
        let known = TARGETS.iter().any(|(n, _)| n == name) || name.starts_with("www_");
        assert!(known, "fuzz target {name} is replayed by no test");
        let inputs = std::fs::read_dir(corpus().join(name)).map_or(0, |entries| entries.count());
        assert!(inputs > 0, "fuzz target {name} has no corpus");
    }
    for (name, _) in TARGETS {
        assert!(
            names.iter().any(|n| n == name),
            "{name} is not a fuzz target"
        );
    }
}
