//! `cargo xtask fuzz [seconds-per-target]`: runs every cargo-fuzz target of `fuzz/` for a
//! bounded time, starting from a copy of its committed corpus, and says how many inputs each
//! tried and whether it crashed.
//!
//! libFuzzer needs nightly compiler flags: on the stable toolchain they are allowed with
//! RUSTC_BOOTSTRAP=1, for this build only. What libFuzzer adds to its working corpus stays in
//! a temporary folder: the committed corpus (replayed by the ordinary `cargo test`) grows only
//! by hand, with inputs worth keeping.

use crate::util::{self, root, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

const DEFAULT_SECONDS: u64 = 30;

/// What one target's run came to.
struct Run {
    target: String,
    executions: Option<u64>,
    /// The crashing input libFuzzer saved, or the reason the run failed.
    crash: Option<String>,
}

pub fn run(args: &[String]) -> Result {
    let seconds = match args.first() {
        None => DEFAULT_SECONDS,
        Some(text) => text.parse::<u64>().ok().filter(|s| *s > 0).ok_or_else(|| {
            format!("seconds per target must be a whole number above 0, not {text:?}")
        })?,
    };
    ensure_cargo_fuzz()?;
    let fuzz_dir = root().join("fuzz");
    let targets = targets(&fuzz_dir)?;
    // Build every target once, one compiler job at a time, before the clock starts.
    util::run(fuzz_command("build").env("CARGO_BUILD_JOBS", "1"))?;

    let work = std::env::temp_dir().join("gateway-doctor-fuzz");
    let _ = std::fs::remove_dir_all(&work);
    let mut runs = Vec::new();
    for target in &targets {
        eprintln!("fuzzing {target} for {seconds} s");
        runs.push(run_target(&fuzz_dir, &work, target, seconds)?);
    }

    println!("\n{:<18} {:>12}  result", "target", "inputs");
    for run in &runs {
        let executions = run
            .executions
            .map_or_else(|| "?".to_string(), |n| n.to_string());
        let result = match &run.crash {
            None => "ok".to_string(),
            Some(what) => format!("CRASHED: {what}"),
        };
        println!("{:<18} {executions:>12}  {result}", run.target);
    }
    println!(
        "({seconds} s per target; libFuzzer's own corpora and logs: {})",
        work.display()
    );
    let crashed = runs.iter().filter(|r| r.crash.is_some()).count();
    if crashed > 0 {
        return Err(format!("{crashed} fuzz target(s) crashed"));
    }
    Ok(())
}

/// `cargo fuzz <subcommand>` with the flags every build and run shares: optimised, with
/// debug assertions (overflow checks), and no sanitizer: the project has no unsafe code, and
/// without one the same seconds try about twice the inputs.
fn fuzz_command(subcommand: &str) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(root()).env("RUSTC_BOOTSTRAP", "1").args([
        "fuzz",
        subcommand,
        "-O",
        "-a",
        "--sanitizer",
        "none",
    ]);
    cmd
}

fn ensure_cargo_fuzz() -> Result {
    if util::output(Command::new("cargo").args(["fuzz", "--version"])).is_some() {
        return Ok(());
    }
    util::run(Command::new("cargo").args(["install", "--locked", "cargo-fuzz"]))
}

/// The targets: one file each in `fuzz/fuzz_targets/`.
fn targets(fuzz_dir: &Path) -> Result<Vec<String>> {
    let folder = fuzz_dir.join("fuzz_targets");
    let entries =
        std::fs::read_dir(&folder).map_err(|e| format!("read {}: {e}", folder.display()))?;
    let mut targets: Vec<String> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .filter_map(|path| Some(path.file_stem()?.to_string_lossy().into_owned()))
        .collect();
    targets.sort();
    if targets.is_empty() {
        return Err(format!("no fuzz targets in {}", folder.display()));
    }
    Ok(targets)
}

fn run_target(fuzz_dir: &Path, work: &Path, target: &str, seconds: u64) -> Result<Run> {
    let corpus: PathBuf = work.join(target);
    let committed = fuzz_dir.join("corpus").join(target);
    if committed.is_dir() {
        util::copy_dir(&committed, &corpus)?;
    } else {
        std::fs::create_dir_all(&corpus)
            .map_err(|e| format!("create {}: {e}", corpus.display()))?;
    }
    let mut cmd = fuzz_command("run");
    cmd.env("CARGO_BUILD_JOBS", "1")
        .arg(target)
        .arg(&corpus)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        // An input that takes this long is a hang, reported like a crash.
        .arg("-timeout=10")
        .arg("-print_final_stats=1");
    let out = cmd
        .output()
        .map_err(|e| format!("could not start cargo fuzz run {target}: {e}"))?;
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    util::write(&work.join(format!("{target}.log")), &log)?;
    let crash = (!out.status.success()).then(|| {
        let saved = log
            .lines()
            .find_map(|line| line.split_once("Test unit written to "))
            .map(|(_, path)| path.trim().to_string());
        // The panic message (or libFuzzer's complaint) says what went wrong.
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        for line in tail.iter().rev() {
            eprintln!("  {line}");
        }
        saved.unwrap_or_else(|| format!("{} (log: {target}.log)", out.status))
    });
    Ok(Run {
        target: target.to_string(),
        executions: executions(&log),
        crash,
    })
}

/// How many inputs libFuzzer tried: its final stats line, or its last "#N DONE" / "#N ..."
/// progress line when it stopped early.
fn executions(log: &str) -> Option<u64> {
    let stat = log.lines().rev().find_map(|line| {
        line.strip_prefix("stat::number_of_executed_units:")
            .and_then(|n| n.trim().parse().ok())
    });
    stat.or_else(|| {
        log.lines().rev().find_map(|line| {
            let count = line.strip_prefix('#')?.split_whitespace().next()?;
            count.parse().ok()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::executions;

    #[test]
    fn reads_the_number_of_inputs_tried() {
        let finished = "#604184\tDONE   cov: 2046 ft: 9011 corp: 1170/76Kb\n\
                        Done 604184 runs in 21 second(s)\n\
                        stat::number_of_executed_units: 604184\n\
                        stat::average_exec_per_sec:     28770\n";
        assert_eq!(executions(finished), Some(604_184));
        let crashed = "#1024\tpulse  cov: 10 ft: 11\n#1900\tNEW    cov: 12\n\
                       thread '<unnamed>' panicked at src/lib.rs:1:1\n";
        assert_eq!(executions(crashed), Some(1900));
        assert_eq!(executions("nothing useful"), None);
    }
}
