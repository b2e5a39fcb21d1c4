//! Build, package, test and benchmark automation: `cargo xtask <task>`.

mod bench;
mod bundle;
mod demo;
mod demo_site;
mod diagnose_bench;
mod dist;
mod fuzz;
mod leftovers;
mod manifest;
mod recovery_bench;
mod source_archive;
mod test;
mod tools;
mod util;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  dist    build the extension into dist/chrome, dist/firefox, their packages and the source archive
  demo    build, serve the demo site and open Chromium on it (headless: save a popup screenshot)
  test    install what is missing, then run every check and test
  screenshots   save the README's popup pictures (docs/popup-*.png) from headless Chromium
  bench   print size, start-up, page-load overhead, checks and recovery figures
  bench-diagnose   only the native diagnosis timing
  fuzz [seconds]   run every fuzz target (default 30 s each) and say how many inputs each tried";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("dist") => dist::build(),
        Some("demo") => demo::run_demo(),
        Some("test") => test::run_all(),
        Some("screenshots") => demo::run_screenshots(),
        Some("bench") => bench::run_bench(),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("bench-diagnose") => {
            let figures = diagnose_bench::run();
            println!(
                "diagnose a 64 KB page: median {:.1} us, worst {:.1} us ({} runs)",
                figures.median_us, figures.worst_us, figures.runs
            );
            Ok(())
        }
        Some("help") | Some("--help") | Some("-h") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown task {other:?}\n\n{USAGE}")),
    };
    if let Err(error) = result {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
