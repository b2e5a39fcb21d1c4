//! Recovery figures for `cargo xtask bench`: the auto-retry policy against Chromium's auto-reload
//! and a fixed 5 s reloader, on the deterministic outage simulation of
//! `gateway_doctor::retry::simulate` (virtual clock: runs in milliseconds, no browser needed).

use gateway_doctor::retry::simulate::{simulate, Report, Scenario, Strategy};

const OUTAGES_MS: [u64; 4] = [5_000, 30_000, 120_000, 600_000];
const TABS: u32 = 10;

/// Prints the table.
pub fn run() -> Result<(), String> {
    print!("{}", render()?);
    Ok(())
}

/// The table as text.
pub fn render() -> Result<String, String> {
    let strategies = [
        Strategy::ours(),
        Strategy::Chromium,
        Strategy::Fixed { interval_ms: 5_000 },
    ];
    let sample = Scenario::new(OUTAGES_MS[0], TABS);
    let mut out = format!(
        "recovery after an outage: {TABS} tabs on one origin, {} ms round trips, {} simulated \
         runs per row\n(delay: origin healthy again -> that tab's page shown; requests: retry \
         probes and reloads reaching the origin while it is down)\n\n",
        sample.latency_ms, sample.trials
    );
    out += &format!(
        "{:>7}  {:<22} {:>10} {:>10} {:>8} {:>13} {:>12} {:>9}  {}\n",
        "outage",
        "strategy",
        "median",
        "worst",
        "median/",
        "requests in",
        "in first",
        "max in",
        "target met"
    );
    out += &format!(
        "{:>7}  {:<22} {:>10} {:>10} {:>8} {:>13} {:>12} {:>9}\n",
        "", "", "delay", "delay", "outage", "outage (mean)", "minute (max)", "flight"
    );
    for outage_ms in OUTAGES_MS {
        let scenario = Scenario::new(outage_ms, TABS);
        for (i, strategy) in strategies.iter().enumerate() {
            let report = simulate(&scenario, strategy);
            if report.delays_ms.is_empty() {
                return Err(format!(
                    "{}: no tab recovered in the {} s outage",
                    strategy.name(),
                    outage_ms / 1000
                ));
            }
            let outage = if i == 0 {
                format!("{} s", outage_ms / 1000)
            } else {
                String::new()
            };
            out += &format!(
                "{:>7}  {:<22} {:>10} {:>10} {:>7.1}% {:>13.1} {:>12} {:>9}  {}\n",
                outage,
                strategy.name(),
                seconds(report.median_delay_ms),
                seconds(report.worst_delay_ms),
                report.median_delay_ms as f64 * 100.0 / outage_ms as f64,
                report.mean_requests_during_outage,
                report.max_requests_first_minute,
                report.max_in_flight,
                verdict(outage_ms, &report),
            );
        }
    }
    out += "\ntargets: median delay < 1.5 s for outages up to 1 min, < 5 % of the outage beyond;\n\
            at most 30 requests in the first minute whatever the number of tabs; at most one\n\
            probe in flight per origin. Chromium's row assumes every tab visible (it pauses\n\
            hidden tabs); the fixed reloader is ErrorZilla's 5 s.\n";
    Ok(out)
}

fn seconds(ms: u64) -> String {
    if ms < 100_000 {
        format!("{:.2} s", ms as f64 / 1000.0)
    } else {
        format!("{:.0} s", ms as f64 / 1000.0)
    }
}

/// Which of the product's targets the row meets.
fn verdict(outage_ms: u64, report: &Report) -> String {
    let delay_ok = if outage_ms <= 60_000 {
        report.median_delay_ms < 1_500
    } else {
        report.median_delay_ms * 20 < outage_ms
    };
    let budget_ok = report.max_requests_first_minute <= 30;
    let in_flight_ok = report.max_in_flight <= 1 && report.unrecovered == 0;
    match (delay_ok, budget_ok, in_flight_ok) {
        (true, true, true) => "yes".to_string(),
        _ => {
            let mut missed = Vec::new();
            if !delay_ok {
                missed.push("delay");
            }
            if !budget_ok {
                missed.push("requests");
            }
            if !in_flight_ok {
                missed.push("in flight");
            }
            format!("no: {}", missed.join(", "))
        }
    }
}
