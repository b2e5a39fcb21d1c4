//! Installs what the build and the tests need, when it is missing. Everything comes from the
//! package registries by name; nothing downloads a browser or a toolchain of its own.

use crate::leftovers::MARKER_VAR;
use crate::util::{e2e_dir, output, root, run, tools_dir, which, Result};
use std::path::PathBuf;
use std::process::Command;

/// Keep in sync with the `wasm-bindgen = "=..."` pin in the top-level Cargo.toml: the CLI must
/// match the crate exactly. `check_wasm_bindgen_pin` enforces it against Cargo.lock.
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";
const GECKODRIVER_VERSION: &str = "0.37.1";
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

pub fn ensure_wasm_target() -> Result {
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// The project-local wasm-bindgen CLI at the pinned version, installed when missing.
pub fn ensure_wasm_bindgen() -> Result<PathBuf> {
    check_wasm_bindgen_pin()?;
    let bin = tools_dir().join("bin").join("wasm-bindgen");
    let wanted = format!("wasm-bindgen {WASM_BINDGEN_VERSION}");
    let current = output(Command::new(&bin).arg("--version")).unwrap_or_default();
    if current.trim() != wanted {
        // Not --locked: the registry here lacks one of the CLI's locked dependency versions.
        // A debug build with the two crates that parse and write wasm optimised: it compiles in
        // 90 s instead of 145 s, and reads a test module (four a test run, 10-14 MB with the
        // dev profile's line tables) in about 2.4 s. What it writes does not change (the same
        // code, checked on the six dist modules).
        run(Command::new("cargo")
            .args([
                "install",
                "wasm-bindgen-cli",
                "--force",
                "--debug",
                "--config",
                "profile.dev.package.walrus.opt-level=1",
                "--config",
                "profile.dev.package.wasmparser.opt-level=1",
                "--version",
                WASM_BINDGEN_VERSION,
            ])
            .arg("--root")
            .arg(tools_dir()))?;
    }
    Ok(bin)
}

/// The wasm-bindgen-test runner installed beside the CLI.
pub fn wasm_bindgen_test_runner() -> PathBuf {
    tools_dir().join("bin").join("wasm-bindgen-test-runner")
}

pub fn ensure_geckodriver() -> Result<PathBuf> {
    let bin = tools_dir().join("bin").join("geckodriver");
    let current = output(Command::new(&bin).arg("--version")).unwrap_or_default();
    if !current.starts_with(&format!("geckodriver {GECKODRIVER_VERSION}")) {
        // A debug build: it only relays the tests' commands to Firefox, and compiles in 58 s
        // instead of about 100 s.
        run(Command::new("cargo")
            .args([
                "install",
                "geckodriver",
                "--force",
                "--debug",
                "--version",
                GECKODRIVER_VERSION,
            ])
            .arg("--root")
            .arg(tools_dir()))?;
    }
    Ok(bin)
}

/// Fails when Cargo.lock resolved wasm-bindgen to another version than the CLI pin.
fn check_wasm_bindgen_pin() -> Result {
    let lock = crate::util::read(&root().join("Cargo.lock"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            let version = lines.next().unwrap_or_default().trim();
            let expected = format!("version = \"{WASM_BINDGEN_VERSION}\"");
            return if version == expected {
                Ok(())
            } else {
                Err(format!(
                    "Cargo.lock has wasm-bindgen {version} but the CLI pin is {WASM_BINDGEN_VERSION}: keep them in sync"
                ))
            };
        }
    }
    Err("Cargo.lock does not list wasm-bindgen".into())
}

/// Debian packages, by the program each provides.
pub const BROWSERS: &[(&str, &str)] = &[
    ("chromium", "chromium"),
    ("chromedriver", "chromium-driver"),
    ("firefox-esr", "firefox-esr"),
];
pub const GATEWAYS: &[(&str, &str)] = &[
    ("nginx", "nginx-light"),
    ("apache2", "apache2-bin"),
    ("haproxy", "haproxy"),
    ("varnishd", "varnish"),
    ("squid", "squid"),
    ("lighttpd", "lighttpd"),
    ("traffic_server", "trafficserver"),
    ("h2o", "h2o"),
    ("caddy", "caddy"),
    // Tomcat has no program on the PATH: its launcher jar by absolute path, which `which` finds
    // as is (joining an absolute path replaces the folder). tomcat10-common is the server
    // without the tomcat10 system service package, which pulls in systemd.
    ("/usr/share/tomcat10/bin/bootstrap.jar", "tomcat10-common"),
    // Not a gateway: the shared store of www's scale-out tests (`www/tests/scale_out.rs`).
    ("redis-server", "redis-server"),
];

/// Installs the Debian packages whose programs are missing (one `apt-get` call for all).
pub fn ensure_debian(programs: &[(&str, &str)]) -> Result {
    let missing: Vec<&str> = programs
        .iter()
        .filter(|(program, _)| which(program).is_none() && !in_sbin(program))
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if which("apt-get").is_none() {
        return Err(format!(
            "missing programs; install these packages: {}",
            missing.join(" ")
        ));
    }
    // Without the test run's marker: a service a package's install script starts (nginx-light
    // and haproxy start theirs where no policy-rc.d forbids it) is the system's, not a test's,
    // and must not count as left behind by the run.
    run(Command::new("apt-get")
        .args(["update", "-qq"])
        .env_remove(MARKER_VAR))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .env_remove(MARKER_VAR))
}

fn in_sbin(program: &str) -> bool {
    ["/usr/sbin", "/sbin"]
        .iter()
        .any(|dir| PathBuf::from(dir).join(program).is_file())
}

/// The test packages (puppeteer-core, web-ext, binaryen) from package-lock.json.
pub fn ensure_npm_packages() -> Result {
    let dir = e2e_dir();
    let stamp = dir.join("node_modules").join(".package-lock.json");
    let lock = dir.join("package-lock.json");
    let fresh = match (std::fs::metadata(&stamp), std::fs::metadata(&lock)) {
        (Ok(s), Ok(l)) => s.modified().ok() >= l.modified().ok(),
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir))
}

/// `wasm-opt` from the npm package `binaryen` (Debian's older binaryen breaks the output).
pub fn wasm_opt() -> Option<PathBuf> {
    let bin = e2e_dir().join("node_modules").join(".bin").join("wasm-opt");
    bin.is_file().then_some(bin)
}
