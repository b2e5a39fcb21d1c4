//! The source archive addons.mozilla.org asks for when a package holds generated code (here the
//! wasm and wasm-bindgen's glue): every file git tracks, as it is on disk, and at its root
//! BUILD-FOR-REVIEWERS.md with the toolchain and the exact steps that rebuild the .xpi.

use crate::dist::{dist_dir, package_name, write_zip, ZipEntry, VERSION};
use crate::manifest::Browser;
use crate::tools::{wasm_opt, WASM_BINDGEN_VERSION, WASM_TARGET};
use crate::util::{e2e_dir, output, read, root, Result};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// The build instructions' name, at the archive's root.
pub const NOTES: &str = "BUILD-FOR-REVIEWERS.md";

pub fn archive_name() -> String {
    format!("gateway-doctor-{VERSION}-source.zip")
}

/// Writes `dist/gateway-doctor-<version>-source.zip`. Outside a git checkout (a reviewer
/// building from this very archive) there is nothing to list it from: skipped, with a note.
pub fn build() -> Result {
    let root = root();
    if !root.join(".git").exists() {
        eprintln!("note: not a git checkout: no source archive written");
        return Ok(());
    }
    let target = dist_dir().join(archive_name());
    write(&root, &target)?;
    eprintln!("built {}", target.display());
    Ok(())
}

/// The archive of the checkout at `root`, written to `target`.
fn write(root: &Path, target: &Path) -> Result {
    let mut entries = Vec::new();
    for name in tracked_files(root)? {
        if name == NOTES {
            continue; // the generated one takes its place
        }
        let path = root.join(&name);
        let meta = match std::fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("note: {name} is tracked but deleted: not in the source archive");
                continue;
            }
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        if meta.is_dir() {
            continue; // a submodule: none so far
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let executable = meta.permissions().mode() & 0o111 != 0;
        entries.push(ZipEntry {
            name,
            bytes,
            mode: if executable { 0o755 } else { 0o644 },
        });
    }
    entries.push(ZipEntry {
        name: NOTES.into(),
        bytes: notes()?.into_bytes(),
        mode: 0o644,
    });
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    write_zip(target, entries)
}

/// `git ls-files`: the tracked paths, relative to `root`.
fn tracked_files(root: &Path) -> Result<Vec<String>> {
    let out = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("could not run git (needed for the source archive): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git ls-files failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    out.stdout
        .split(|&b| b == 0)
        .filter(|name| !name.is_empty())
        .map(|name| {
            String::from_utf8(name.to_vec())
                .map_err(|_| format!("a tracked path is not UTF-8: {name:?}"))
        })
        .collect()
}

/// The first line a tool prints for `--version`, or what to say when it cannot run.
fn version_of(program: &str) -> String {
    output(Command::new(program).arg("--version").current_dir(root()))
        .and_then(|text| text.lines().next().map(|l| l.trim().to_string()))
        .unwrap_or_else(|| format!("{program}: not found"))
}

/// binaryen's version as `tests/e2e/package.json` pins it.
fn binaryen_version() -> Result<String> {
    let path = e2e_dir().join("package.json");
    let package: serde_json::Value =
        serde_json::from_str(&read(&path)?).map_err(|e| format!("{}: {e}", path.display()))?;
    package["devDependencies"]["binaryen"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{} does not pin binaryen", path.display()))
}

/// The OS this build runs on, from /etc/os-release.
fn os_name() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// BUILD-FOR-REVIEWERS.md, from the tools of this very build.
fn notes() -> Result<String> {
    let rustc = version_of("rustc");
    let cargo = version_of("cargo");
    // "rustc 1.95.0 (59807616e 2026-04-14)": the toolchain to install is the second word.
    let toolchain = rustc.split_whitespace().nth(1).unwrap_or("stable");
    let binaryen = binaryen_version()?;
    let node = version_of("node");
    let os = os_name();
    let arch = std::env::consts::ARCH;
    let optimised = if wasm_opt().is_some() {
        "yes"
    } else {
        "no (wasm-opt was not installed: the .wasm files are unoptimised)"
    };
    let xpi = package_name(Browser::Firefox);
    let chrome = package_name(Browser::Chrome);
    let source = archive_name();
    Ok(format!(
        "# Building Gateway Doctor {VERSION} from source

This archive holds every file of Gateway Doctor's git repository as it was when
`cargo xtask dist` wrote the submitted package `{xpi}`,
and this note, written by that same build.

## What in the package is generated

- `core/first/`, `core/background/`, `core/failure/`, `core/popup/`, `core/popup-more/` and
  `core/options/`: the Rust
  crate in `src/` compiled to WebAssembly (`gateway_doctor_bg.wasm`, one build per feature of the
  same names),
  and beside it the JavaScript glue wasm-bindgen writes (`gateway_doctor.js`), as wasm-bindgen
  writes it. The glue of `core/first/`, `core/background/` and `core/failure/` is not a file of
  its own: it is inlined into `background.js` (below).
- `background.js`: `extension/background.js` with its three imports of wasm-bindgen glue
  replaced by the glue itself, each wrapped in a function that returns what it exported
  (`xtask/src/bundle.rs`), so that a woken service worker loads one script instead of four.
- `manifest.json`: derived from the top-level `manifest.json` by `xtask/src/manifest.rs` (the
  version comes from `Cargo.toml`).
- Everything else is copied unchanged from `extension/`. Its JavaScript, HTML and CSS are
  hand-written: not minified, not transpiled, not bundled. No minifier or third-party bundler
  runs at all.

## Toolchain of the submitted build

- OS: {os} on {arch}.
  The steps below are for Debian 12 (bookworm); another Linux with the same tools should do.
- Rust: `{rustc}` and `{cargo}`, from rustup,
  with the `{WASM_TARGET}` target.
- Crates: the exact versions in `Cargo.lock` (every build runs with `--locked`).
- wasm-bindgen CLI {WASM_BINDGEN_VERSION}: pinned in `xtask/src/tools.rs`, equal to the
  `wasm-bindgen` crate in `Cargo.lock`. `cargo xtask dist` installs it itself, into `.tools/`
  (`cargo install wasm-bindgen-cli --version {WASM_BINDGEN_VERSION}`).
- wasm-opt from binaryen {binaryen}: the npm package `binaryen`, pinned in
  `tests/e2e/package.json` and `tests/e2e/package-lock.json`; it runs on Node.js (this build:
  {node}). Run with `--low-memory-unused -Oz --converge --strip-debug --strip-producers` (see `optimise` in `xtask/src/dist.rs`).
  Used for the submitted build: {optimised}.

## Steps

```sh
# Debian packages: a C toolchain for the native build tool, Node.js and npm for wasm-opt
sudo apt-get install -y build-essential curl ca-certificates nodejs npm
# Rust {toolchain} and the wasm target
curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain {toolchain}
. \"$HOME/.cargo/env\"
rustup target add {WASM_TARGET}
# In the folder this archive was unpacked into: wasm-opt, at the locked version
# (npm ci also installs the test tools listed there; the build uses only binaryen)
(cd tests/e2e && npm ci --no-audit --no-fund)
# The build
cargo xtask dist
```

`cargo xtask dist` (`xtask/src/dist.rs`) builds the core six times (one wasm build each for
the background's first module, the rest of the background, the failure module, the popup's
first screen, the rest of the popup and the options page), in release mode, for
`{WASM_TARGET}`; runs wasm-bindgen and wasm-opt on each; copies `extension/` beside them
and writes the manifests.

## Output

- `dist/{xpi}`: the Firefox package, the one submitted;
  `dist/firefox/` is the same, unpacked.
- `dist/{chrome}` and `dist/chrome/`: the Chrome package.
- From a git checkout, also `dist/{source}`: this archive.
  Built from this archive (no `.git`), that step is skipped.

The packages' zips are reproducible (sorted entries, fixed timestamps): compare `dist/firefox/`
with the submitted .xpi unpacked, e.g. with `diff -r`. rustc writes the paths of the crates'
sources into the wasm's panic messages; the build maps the cargo home to `/cargo` in them, so
where the crates were downloaded to does not change the output.
"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_holds_the_sources_and_the_build_notes() {
        let root = root();
        if !root.join(".git").exists() {
            eprintln!("not a git checkout: nothing to archive");
            return;
        }
        let target = std::env::temp_dir().join(format!(
            "gd-source-archive-test-{}/{}",
            std::process::id(),
            archive_name()
        ));
        write(&root, &target).expect("write the source archive");
        let file = std::fs::File::open(&target).expect("open the archive");
        let mut zip = zip::ZipArchive::new(file).expect("read the archive");
        let names: Vec<String> = zip.file_names().map(str::to_string).collect();
        for wanted in [
            "Cargo.lock",
            "Cargo.toml",
            "manifest.json",
            "src/lib.rs",
            "xtask/src/main.rs",
            NOTES,
        ] {
            assert!(
                names.iter().any(|n| n == wanted),
                "{wanted} not in {names:?}"
            );
        }
        assert!(
            !names
                .iter()
                .any(|n| n.starts_with("target/") || n.starts_with("dist/")),
            "build output in the archive: {names:?}"
        );

        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(NOTES).expect("the notes"), &mut text)
            .expect("read the notes");
        for wanted in [
            "cargo xtask dist",
            &format!("wasm-bindgen CLI {WASM_BINDGEN_VERSION}"),
            &format!("binaryen {}", binaryen_version().expect("binaryen pin")),
            &version_of("rustc"),
            &package_name(Browser::Firefox),
            "not minified",
        ] {
            assert!(
                text.contains(wanted),
                "{wanted:?} not in the notes:\n{text}"
            );
        }
        if let Some(dir) = target.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
