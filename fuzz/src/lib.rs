//! The bodies of the fuzz targets, one function per target, and the replay of the committed
//! corpus. Each target reads one input the way a site, a down-for-everyone service, a DNS
//! resolver, the browser's storage or a client of the checker could send it, and checks
//! properties of the answer beyond "no panic".
//!
//! The same files are compiled into the ordinary stable test suites (`tests/fuzz_corpus.rs`
//! and `www/tests/fuzz_corpus.rs` include them by path), which replay every input of
//! `fuzz/corpus/<target>/`: what libFuzzer runs here is exactly what `cargo test` checks.

pub mod doctor;
pub mod replay;
pub mod www;
