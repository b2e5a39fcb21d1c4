//! `cargo xtask test`: installs what is missing, then runs every check and test in order:
//! format, lints (native and wasm), native tests, browser-layer tests in both browsers, the
//! build, `web-ext lint`, and the end-to-end tests in both browsers; then fails if any process
//! it started is still running.

use crate::dist::{self, browser_dir};
use crate::leftovers;
use crate::manifest::Browser;
use crate::tools::{
    ensure_debian, ensure_geckodriver, ensure_npm_packages, ensure_wasm_bindgen,
    ensure_wasm_target, wasm_bindgen_test_runner, BROWSERS, GATEWAYS, WASM_TARGET,
};
use crate::util::{e2e_dir, output, root, run, Result};
use std::process::Command;
use std::time::Instant;

pub fn run_all() -> Result {
    let started = Instant::now();
    // Before anything is spawned: every process of this run inherits the marker.
    let marker = leftovers::mark_this_run();
    let steps = run_steps();
    // Also after a failed step: what it started may still be running.
    let leftovers = step("no process of this run left running", || {
        leftovers::check(&marker)
    });
    match (steps, leftovers) {
        (Err(failed), Err(left)) => Err(format!("{failed}\n{left}")),
        (Err(e), Ok(())) | (Ok(()), Err(e)) => Err(e),
        (Ok(()), Ok(())) => {
            println!(
                "\nall checks passed in {:.0} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
    }
}

fn run_steps() -> Result {
    step("install what is missing", install)?;
    step("cargo fmt --check", || {
        run(cargo().args(["fmt", "--all", "--check"]))
    })?;
    step("clippy (native)", || {
        run(cargo().args([
            "clippy",
            "--locked",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    step("clippy (wasm32)", || {
        run(cargo()
            .args([
                "clippy",
                "--locked",
                "--package",
                "gateway-doctor",
                "--package",
                crate::dist::WEB_PACKAGE,
                "--all-targets",
            ])
            .args(["--target", WASM_TARGET, "--", "-D", "warnings"]))
    })?;
    step("native tests", || {
        run(cargo().args(["test", "--locked", "--workspace"]))
    })?;
    step("browser-layer tests in headless Chromium", || {
        run(wasm_tests().env("CHROMEDRIVER", "/usr/bin/chromedriver"))
    })?;
    step("browser-layer tests in headless Firefox", || {
        let geckodriver = ensure_geckodriver()?;
        run(wasm_tests().env("GECKODRIVER", geckodriver))
    })?;
    step("build dist/", dist::build)?;
    step("web-ext lint", || {
        run(Command::new(e2e_dir().join("node_modules/.bin/web-ext"))
            .args(["lint", "--warnings-as-errors", "--source-dir"])
            .arg(browser_dir(Browser::Firefox)))
    })?;
    step("end-to-end tests in Chromium and Firefox", e2e_tests)
}

/// The one test file that waits out a failing site's first minute runs beside the others (its
/// browsers are idle most of that minute); the others run one file at a time.
const BESIDE_THE_OTHERS: &str = "polite.test.mjs";

fn e2e_tests() -> Result {
    // The native tests built it (the checker's own tests start the binary): not built twice.
    let checker = root()
        .join("target")
        .join("debug")
        .join("gateway-doctor-www");
    if !checker.is_file() {
        return Err(format!(
            "{} is missing: the native tests (`cargo test --workspace`) build it",
            checker.display()
        ));
    }
    let node = |files: &[String]| {
        let mut cmd = Command::new("node");
        cmd.env("GD_CHECKER_BIN", &checker)
            .args(["--test", "--test-concurrency=1"])
            .args(files)
            .current_dir(e2e_dir());
        cmd
    };
    let mut files: Vec<String> = std::fs::read_dir(e2e_dir())
        .map_err(|e| format!("reading {}: {e}", e2e_dir().display()))?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".test.mjs") && name != BESIDE_THE_OTHERS)
        .collect();
    files.sort();
    // Its report is printed when it ends, not interleaved with the others'.
    let beside = node(&[BESIDE_THE_OTHERS.to_string()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting node for {BESIDE_THE_OTHERS}: {e}"))?;
    let others = run(&mut node(&files));
    let beside = beside
        .wait_with_output()
        .map_err(|e| format!("waiting for {BESIDE_THE_OTHERS}: {e}"))?;
    print!("{}", String::from_utf8_lossy(&beside.stdout));
    eprint!("{}", String::from_utf8_lossy(&beside.stderr));
    others?;
    if !beside.status.success() {
        return Err(format!("{BESIDE_THE_OTHERS} failed ({})", beside.status));
    }
    Ok(())
}

fn install() -> Result {
    ensure_components()?;
    ensure_wasm_target()?;
    ensure_wasm_bindgen()?;
    ensure_debian(&[BROWSERS, GATEWAYS].concat())?;
    ensure_npm_packages()?;
    ensure_geckodriver()?;
    Ok(())
}

/// rustfmt and clippy come with most toolchains, but not all.
fn ensure_components() -> Result {
    let installed = output(Command::new("rustup").args(["component", "list", "--installed"]))
        .unwrap_or_default();
    for component in ["rustfmt", "clippy"] {
        if !installed.lines().any(|l| l.starts_with(component)) {
            run(Command::new("rustup").args(["component", "add", component]))?;
        }
    }
    Ok(())
}

fn cargo() -> Command {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(root());
    cmd
}

/// wasm-bindgen-test through the pinned runner; the caller picks the browser's driver.
fn wasm_tests() -> Command {
    let mut cmd = cargo();
    cmd.args([
        "test",
        "--locked",
        "--package",
        crate::dist::WEB_PACKAGE,
        "--target",
        WASM_TARGET,
    ])
    .env(
        "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
        wasm_bindgen_test_runner(),
    )
    // Set one driver per run: GECKODRIVER wins when both are set.
    .env_remove("CHROMEDRIVER")
    .env_remove("GECKODRIVER");
    cmd
}

fn step(name: &str, action: impl FnOnce() -> Result) -> Result {
    println!("\n==> {name}");
    let started = Instant::now();
    action().map_err(|e| format!("{name}: {e}"))?;
    println!("<== {name}: ok ({:.1} s)", started.elapsed().as_secs_f64());
    Ok(())
}
