//! `cargo xtask bench`: prints figures (never pass/fail): wasm sizes, background start-up in
//! Chromium, and the page-load overhead of the extension, measured side by side in one run.

use crate::dist::{self, browser_dir};
use crate::manifest::Browser;
use crate::tools::{ensure_debian, ensure_npm_packages, BROWSERS};
use crate::util::{e2e_dir, Result};
use flate2::{write::GzEncoder, Compression};
use serde_json::Value;
use std::io::Write;
use std::process::Command;

pub fn run_bench() -> Result {
    ensure_debian(BROWSERS)?;
    ensure_npm_packages()?;
    dist::build()?;
    let mut sizes = Vec::new();
    for flavour in dist::FLAVOURS {
        let path = browser_dir(Browser::Chrome)
            .join("core")
            .join(flavour)
            .join("gateway_doctor_bg.wasm");
        let wasm = std::fs::read(&path).map_err(|e| format!("read {}: {e}", path.display()))?;
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(&wasm).map_err(|e| e.to_string())?;
        let gzipped = gz.finish().map_err(|e| e.to_string())?.len();
        sizes.push((flavour, wasm.len(), gzipped));
    }

    let diagnosis = crate::diagnose_bench::run();
    crate::recovery_bench::run()?;

    eprintln!("measuring in Chromium (20 cold starts, then 2 x 100 page loads)...");
    let figures = node_figures("bench.mjs", &[])?;
    let number = |path: &[&str]| figure(&figures, path);

    println!("{:<44} {:>12} {:>12}", "figure", "measured", "target");
    for (flavour, raw, gzipped) in &sizes {
        println!(
            "{:<44} {:>9.1} KB {:>12}",
            format!("wasm size ({flavour}), raw"),
            *raw as f64 / 1000.0,
            ""
        );
        println!(
            "{:<44} {:>9.1} KB {:>12}",
            format!("wasm size ({flavour}), gzip -9"),
            *gzipped as f64 / 1000.0,
            "< 100 KB"
        );
    }
    println!(
        "{:<44} {:>9.1} us {:>12}",
        format!(
            "diagnose a 64 KB page, native (median of {})",
            diagnosis.runs
        ),
        diagnosis.median_us,
        "< 200 us"
    );
    println!(
        "{:<44} {:>9.1} us {:>12}",
        "  (worst)", diagnosis.worst_us, ""
    );
    println!(
        "{:<44} {:>9.1} ms {:>12}",
        "background start -> wasm ready (median of 20)",
        number(&["wasm_ready_ms", "median"]),
        "< 30 ms"
    );
    println!(
        "{:<44} {:>9.1} ms {:>12}",
        "  (min / max)",
        number(&["wasm_ready_ms", "min"]),
        format!("{:.1} ms", number(&["wasm_ready_ms", "max"]))
    );
    println!(
        "{:<44} {:>9.2} ms {:>12}",
        "page load with extension (median of 100)",
        number(&["load_ms", "with_extension"]),
        ""
    );
    println!(
        "{:<44} {:>9.2} ms {:>12}",
        "page load without extension (median of 100)",
        number(&["load_ms", "without_extension"]),
        ""
    );
    println!(
        "{:<44} {:>12.3} {:>12}",
        "overhead ratio (with / without)",
        number(&["load_ms", "ratio"]),
        "<= 1.02"
    );
    checks_to_verdict()?;
    real_browser_recovery()
}

/// From a failure to the verdict with every check on loopback (our checker in-process, a DoH
/// resolver and nginx), and what a checker that never answers delays.
fn checks_to_verdict() -> Result {
    eprintln!("\nmeasuring checks in Chromium (20 failures, then 5 with a silent checker)...");
    let checker = crate::demo::start_checker()?;
    let checker_base = format!("http://{}", checker.addr());
    let figures = node_figures("checks-bench.mjs", &[&checker_base, "20"])?;
    let number = |path: &[&str]| figure(&figures, path);
    let row = |name: &str, ms: f64, target: &str| println!("{name:<44} {ms:>9.1} ms {target:>12}");
    println!("\nchecks, Chromium, everything on 127.0.0.1");
    row(
        "failure to verdict (median of 20)",
        number(&["verdict_ms"]),
        "< 300 ms",
    );
    row(
        "failure to verdict (worst of 20)",
        number(&["verdict_max_ms"]),
        "",
    );
    for check in ["fresh", "stranger", "checker", "dns"] {
        row(
            &format!("  {check} result (median)"),
            number(&["per_check_ms", check]),
            "",
        );
    }
    row(
        "  connectivity result, refused page (median)",
        number(&["connectivity_ms"]),
        "",
    );
    row(
        "silent checker: other results (median of 5)",
        number(&["silent_checker", "others_ms"]),
        "unchanged",
    );
    row(
        "silent checker: its own line (median of 5)",
        number(&["silent_checker", "checker_ms"]),
        "its timeout",
    );
    Ok(())
}

/// The same three strategies through one real harness: Chromium with the extension, nginx in
/// front of an application stopped for 5 s (four outages) and 30 s (one), ten tabs each.
fn real_browser_recovery() -> Result {
    eprintln!("\nmeasuring recovery in Chromium behind nginx (about 5 minutes)...");
    let figures = node_figures("recovery-bench.mjs", &["5x4", "30x1"])?;
    println!("\nrecovery in a real browser (Chromium + nginx on 127.0.0.1, 10 tabs per outage)");
    println!(
        "{:>7}  {:<10} {:>8} {:>12} {:>12} {:>12} {:>14}",
        "outage", "strategy", "outages", "median", "worst", "requests in", "in first"
    );
    println!(
        "{:>7}  {:<10} {:>8} {:>12} {:>12} {:>12} {:>14}",
        "", "", "", "delay", "delay", "outage (max)", "minute (max)"
    );
    let rows = figures
        .get("rows")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for row in rows {
        let ms = |key: &str| {
            row.get(key)
                .and_then(Value::as_f64)
                .map_or("-".to_string(), |v| format!("{:.2} s", v / 1000.0))
        };
        let count = |key: &str| row.get(key).and_then(Value::as_u64).unwrap_or(0);
        println!(
            "{:>6}s  {:<10} {:>8} {:>12} {:>12} {:>12} {:>14}",
            row.get("outage_s").and_then(Value::as_u64).unwrap_or(0),
            row.get("strategy").and_then(Value::as_str).unwrap_or("?"),
            count("outages"),
            ms("median_delay_ms"),
            ms("worst_delay_ms"),
            count("requests_during_outage"),
            count("requests_first_minute"),
        );
    }
    Ok(())
}

/// Runs a browser-side benchmark script in `tests/e2e` and reads the JSON line it ends with.
fn node_figures(script: &str, args: &[&str]) -> Result<Value> {
    let out = Command::new("node")
        .arg(e2e_dir().join(script))
        .args(args)
        .current_dir(e2e_dir())
        .output()
        .map_err(|e| format!("node {script}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("{script} failed: {stderr}"));
    }
    stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .ok_or_else(|| format!("{script} printed no figures: {stdout}{stderr}"))
}

/// The number at `path` in a script's figures; NaN (printed as such) when it is missing.
fn figure(figures: &Value, path: &[&str]) -> f64 {
    path.iter()
        .try_fold(figures, |v, k| v.get(k))
        .and_then(Value::as_f64)
        .unwrap_or(f64::NAN)
}
