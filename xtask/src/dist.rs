//! `cargo xtask dist`: the Rust core to wasm, the shell copied beside it, one folder and one
//! package per browser; and the source archive with its build instructions for reviewers.

use crate::bundle;
use crate::manifest::{derive, Browser};
use crate::source_archive;
use crate::tools::{ensure_wasm_bindgen, ensure_wasm_target, wasm_opt, WASM_TARGET};
use crate::util::{copy_dir, copy_dir_except, read, root, run, write, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub fn dist_dir() -> PathBuf {
    root().join("dist")
}

pub fn browser_dir(browser: Browser) -> PathBuf {
    dist_dir().join(browser.name())
}

/// Where the optimised wasm-bindgen output lands before it is copied into each browser folder.
pub fn core_dir() -> PathBuf {
    root().join("target").join("gateway-doctor-core")
}

/// The browser crate (in `extension/`), built to wasm with the core inside.
pub const WEB_PACKAGE: &str = "gateway-doctor-web";

/// What of `extension/` is the browser crate's source, not part of the package.
const NOT_SHIPPED: [&str; 3] = ["Cargo.toml", "src", "tests"];

/// The wasm builds: the background's small first module (a failed page's badge while the rest
/// loads), its full one, its failure module (compiled once a page fails: the checks, the banner's
/// words, the history entry), the popup's first screen and what is below it, and the options page.
pub const FLAVOURS: [&str; 6] = [
    "first",
    "background",
    "failure",
    "popup",
    "popup-more",
    "options",
];

pub fn build() -> Result {
    ensure_wasm_target()?;
    let bindgen = ensure_wasm_bindgen()?;
    let core = core_dir();
    let _ = std::fs::remove_dir_all(&core);
    let cargo_home = cargo_home()?;
    let rustflags = format!(
        "target.{WASM_TARGET}.rustflags = [{:?}]",
        format!("--remap-path-prefix={}=/cargo", cargo_home.display())
    );
    for flavour in FLAVOURS {
        run(Command::new("cargo")
            .current_dir(root())
            .args([
                "build",
                "--locked",
                "--release",
                "--lib",
                "--package",
                WEB_PACKAGE,
            ])
            .args(["--config", &rustflags])
            .args(["--no-default-features", "--features", flavour])
            .args(["--target", WASM_TARGET]))?;
        let wasm = root()
            .join("target")
            .join(WASM_TARGET)
            .join("release")
            .join("gateway_doctor_web.wasm");
        let out = core.join(flavour);
        // The shell imports `core/<flavour>/gateway_doctor.js`.
        run(Command::new(&bindgen)
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                "gateway_doctor",
            ])
            .arg("--out-dir")
            .arg(&out)
            .arg(&wasm))?;
        optimise(&out.join("gateway_doctor_bg.wasm"))?;
        no_machine_paths(&out.join("gateway_doctor_bg.wasm"), &cargo_home)?;
    }

    let source: serde_json::Value = serde_json::from_str(&read(&root().join("manifest.json"))?)
        .map_err(|e| format!("manifest.json: {e}"))?;
    for browser in Browser::ALL {
        let dir = browser_dir(browser);
        let _ = std::fs::remove_dir_all(&dir);
        copy_dir_except(&root().join("extension"), &dir, &NOT_SHIPPED)?;
        copy_dir(&core, &dir.join("core"))?;
        bundle::inline_imports(&dir.join("background.js"))?;
        // The options page links to it: what leaves the browser, and when.
        write(&dir.join("privacy.txt"), read(&root().join("PRIVACY.md"))?)?;
        let manifest = derive(&source, browser, VERSION)?;
        let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
        write(&dir.join("manifest.json"), text + "\n")?;
        let package = dist_dir().join(package_name(browser));
        zip_dir(&dir, &package)?;
        eprintln!("built {} and {}", dir.display(), package.display());
    }
    // What addons.mozilla.org asks for beside a package with generated code.
    source_archive::build()
}

/// rustc writes the paths of the dependencies' sources into the wasm (panic messages), under
/// the cargo home: the build maps it to `/cargo`, so the output is the same on every machine, as
/// a reviewer who rebuilds the package from the source archive expects.
fn cargo_home() -> Result<PathBuf> {
    let home = match std::env::var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home),
        None => {
            PathBuf::from(std::env::var_os("HOME").ok_or("neither CARGO_HOME nor HOME is set")?)
                .join(".cargo")
        }
    };
    normalised(&home)
}

/// The cargo home as rustc sees it in the sources' paths: absolute (cargo resolves a relative
/// one from where it runs), with no trailing slash (`<home>/` would map `<home>/registry` to
/// `/cargoregistry`) and no `.` parts.
fn normalised(home: &Path) -> Result<PathBuf> {
    let absolute =
        std::path::absolute(home).map_err(|e| format!("cargo home {}: {e}", home.display()))?;
    Ok(absolute.components().collect())
}

/// Fails if `wasm` still holds the path of this machine's cargo home (the mapping did not apply).
fn no_machine_paths(wasm: &Path, cargo_home: &Path) -> Result {
    let bytes = std::fs::read(wasm).map_err(|e| format!("{}: {e}", wasm.display()))?;
    let home = cargo_home.to_string_lossy();
    if bytes.windows(home.len()).any(|w| w == home.as_bytes()) {
        return Err(format!(
            "{} holds this machine's cargo home ({home}), so the build would differ elsewhere: \
             is RUSTFLAGS set? It replaces the build's mapping of the cargo home",
            wasm.display()
        ));
    }
    Ok(())
}

pub fn package_name(browser: Browser) -> String {
    match browser {
        Browser::Chrome => format!("gateway-doctor-{VERSION}-chrome.zip"),
        Browser::Firefox => format!("gateway-doctor-{VERSION}-firefox.xpi"),
    }
}

/// Every build users and stores get is optimised: wasm-opt is installed (the pinned npm package
/// binaryen) when missing, and a build without it fails rather than ship unoptimised wasm.
fn optimise(wasm: &Path) -> Result {
    if wasm_opt().is_none() {
        crate::tools::ensure_npm_packages()?;
    }
    let wasm_opt = wasm_opt()
        .ok_or("wasm-opt is missing after installing the npm packages (binaryen): not shipping unoptimised wasm")?;
    run(Command::new(wasm_opt)
        // Rust's wasm32 target puts the stack first, below the data: the lowest kilobyte of
        // memory is never data, which lets loads and stores fold their offsets.
        .arg("--low-memory-unused")
        .args(["-Oz", "--converge"])
        .args(["--strip-debug", "--strip-producers"])
        .args([
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-reference-types",
            "--enable-multivalue",
            "--enable-mutable-globals",
        ])
        .arg(wasm)
        .arg("-o")
        .arg(wasm))
}

fn zip_dir(dir: &Path, target: &Path) -> Result {
    let mut files = Vec::new();
    collect_files(dir, dir, &mut files)?;
    let entries = files
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(dir.join(&name)).map_err(|e| format!("{name}: {e}"))?;
            Ok(ZipEntry {
                name,
                bytes,
                mode: 0o644,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    write_zip(target, entries)
}

/// One file of a zip: its path inside, its contents, its permission bits.
pub struct ZipEntry {
    pub name: String,
    pub bytes: Vec<u8>,
    pub mode: u32,
}

/// A reproducible zip: sorted entries, a fixed timestamp, no extra attributes.
pub fn write_zip(target: &Path, mut entries: Vec<ZipEntry>) -> Result {
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let file = std::fs::File::create(target).map_err(|e| format!("{}: {e}", target.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for entry in entries {
        zip.start_file(entry.name.as_str(), options.unix_permissions(entry.mode))
            .map_err(|e| e.to_string())?;
        zip.write_all(&entry.bytes).map_err(|e| e.to_string())?;
    }
    zip.finish().map_err(|e| e.to_string())?;
    Ok(())
}

fn collect_files(base: &Path, dir: &Path, out: &mut Vec<String>) -> Result {
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            collect_files(base, &path, out)?;
        } else if let Ok(relative) = path.strip_prefix(base) {
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wasm_with_the_cargo_home_in_it_fails_the_build() {
        let dir = std::env::temp_dir().join(format!("gd-dist-paths-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        let home = Path::new("/home/someone/.cargo");
        let wasm = dir.join("with.wasm");
        let leaked = b"\0asm panicked at /home/someone/.cargo/registry/src/x/lib.rs:1:1";
        std::fs::write(&wasm, leaked).expect("write");
        let refused = no_machine_paths(&wasm, home);
        std::fs::write(&wasm, b"\0asm panicked at /cargo/registry/src/x/lib.rs:1:1")
            .expect("write");
        let admitted = no_machine_paths(&wasm, home);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(refused.is_err_and(|e| e.contains("/home/someone/.cargo")));
        assert!(admitted.is_ok(), "{admitted:?}");
    }

    #[test]
    fn the_cargo_home_is_mapped_as_rustc_writes_it() {
        for (given, mapped) in [
            ("/home/someone/.cargo", "/home/someone/.cargo"),
            ("/home/someone/.cargo/", "/home/someone/.cargo"),
            ("/home/someone/./.cargo//", "/home/someone/.cargo"),
        ] {
            assert_eq!(
                normalised(Path::new(given)).ok(),
                Some(PathBuf::from(mapped)),
                "{given}"
            );
        }
        let relative = normalised(Path::new("ch/")).expect("resolved from here");
        assert!(
            relative.is_absolute() && relative.ends_with("ch"),
            "{relative:?}"
        );
        assert!(!relative.to_string_lossy().ends_with('/'));
    }
}
