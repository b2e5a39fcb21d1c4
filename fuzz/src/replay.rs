//! Replays a committed seed corpus through a target, natively and on stable Rust.

use std::path::{Path, PathBuf};

/// Where the committed corpora live, from a crate's manifest folder (`CARGO_MANIFEST_DIR`):
/// the repository root or `www/`.
pub fn corpus_root(manifest_dir: &str) -> PathBuf {
    let dir = Path::new(manifest_dir);
    let root = if dir.join("fuzz").is_dir() {
        dir
    } else {
        dir.parent().unwrap_or(dir)
    };
    root.join("fuzz").join("corpus")
}

/// Runs `target` on every file of `<corpus>/<name>/`, naming the input that fails. Fails
/// when that folder is missing or holds no input, so a lost corpus cannot pass unnoticed.
pub fn replay(corpus: &Path, name: &str, target: fn(&[u8])) -> usize {
    let dir = corpus.join(name);
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("fuzz corpus {} is missing: {e}", dir.display()));
    let mut inputs: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file())
        .filter(|path| {
            !path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    inputs.sort();
    assert!(
        !inputs.is_empty(),
        "fuzz corpus {} holds no input",
        dir.display()
    );
    for input in &inputs {
        let data =
            std::fs::read(input).unwrap_or_else(|e| panic!("cannot read {}: {e}", input.display()));
        if let Err(panic) = std::panic::catch_unwind(|| target(&data)) {
            eprintln!("fuzz target {name} fails on {}", input.display());
            std::panic::resume_unwind(panic);
        }
    }
    inputs.len()
}
