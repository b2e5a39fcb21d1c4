//! Processes a test run leaves behind. `cargo xtask test` marks everything it starts with an
//! environment variable unique to the run (children inherit it), and at the end looks through
//! /proc for processes still carrying it: a gateway, server or browser a test did not stop.
//!
//! nginx writes its process title over its environment, so its processes lose the marker
//! there; the test harnesses name their gateways' temporary folders after the marker, and a
//! process holding a file open under such a folder (nginx's logs) counts as left behind too.

use crate::util::Result;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The environment variable that marks the processes of one test run.
pub const MARKER_VAR: &str = "GD_TEST_RUN";

/// A process still running that the run started.
#[derive(Debug)]
pub struct Leftover {
    pub pid: u32,
    pub cmdline: String,
}

/// Marks this process, and so every child it starts from now on, with a marker unique to this
/// run; returns the marker.
pub fn mark_this_run() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let marker = format!("{}-{nanos}", std::process::id());
    // Called before any thread or child is started.
    std::env::set_var(MARKER_VAR, &marker);
    marker
}

/// Every process other than this one carrying `MARKER_VAR=marker` in its environment, or
/// holding open a file whose path contains the marker.
pub fn find(marker: &str) -> Vec<Leftover> {
    let entry = format!("{MARKER_VAR}={marker}");
    let own = std::process::id();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found: Vec<Leftover> = dir
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != own)
        .filter(|&pid| carries(pid, &entry) || holds_marked_file(pid, marker))
        .map(|pid| Leftover {
            pid,
            cmdline: cmdline(pid),
        })
        .collect();
    found.sort_by_key(|l| l.pid);
    found
}

/// Whether the process's environment has exactly `entry` (`NAME=value`). A zombie's, or another
/// user's, environment cannot be read: not ours, or gone already.
fn carries(pid: u32, entry: &str) -> bool {
    std::fs::read(format!("/proc/{pid}/environ"))
        .map(|env| env.split(|&b| b == 0).any(|var| var == entry.as_bytes()))
        .unwrap_or(false)
}

/// Whether the process has a file open under a folder named after the marker.
fn holds_marked_file(pid: u32, marker: &str) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .any(|target| target.to_string_lossy().contains(marker))
}

fn cmdline(pid: u32) -> String {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let text: Vec<String> = raw
        .split(|&b| b == 0)
        .filter(|arg| !arg.is_empty())
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect();
    if text.is_empty() {
        // Kernel threads and zombies have none: show the name at least.
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        format!("[{}]", comm.trim())
    } else {
        text.join(" ")
    }
}

/// Sends `signal` (a name: TERM, KILL) to each process.
pub fn signal(pids: &[u32], signal: &str) {
    if pids.is_empty() {
        return;
    }
    let _ = Command::new("/bin/kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .args(pids.iter().map(u32::to_string))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Fails, naming each one, when processes of this run are still running; and stops them
/// (SIGTERM, then SIGKILL), so that a failed run leaves the machine clean too. Processes on
/// their way out get a moment first.
pub fn check(marker: &str) -> Result {
    if !Path::new("/proc").is_dir() {
        eprintln!("note: no /proc here: leftover processes are not checked");
        return Ok(());
    }
    let found = wait_for_none(marker, Duration::from_secs(3));
    if found.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = found
        .iter()
        .map(|l| format!("  pid {}: {}", l.pid, l.cmdline))
        .collect();
    let pids: Vec<u32> = found.iter().map(|l| l.pid).collect();
    signal(&pids, "TERM");
    let still = wait_for_none(marker, Duration::from_secs(3));
    let pids: Vec<u32> = still.iter().map(|l| l.pid).collect();
    signal(&pids, "KILL");
    Err(format!(
        "{} process(es) started by this run were still running at its end (now stopped); \
         a test did not stop what it started:\n{}",
        found.len(),
        list.join("\n")
    ))
}

/// The marked processes still there after up to `timeout`.
fn wait_for_none(marker: &str, timeout: Duration) -> Vec<Leftover> {
    let deadline = Instant::now() + timeout;
    loop {
        let found = find(marker);
        if found.is_empty() || Instant::now() >= deadline {
            return found;
        }
        thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marked_process_is_found_until_it_is_killed() {
        let marker = format!("leftovers-test-{}", std::process::id());
        let mut child = Command::new("sleep")
            .arg("30")
            .env(MARKER_VAR, &marker)
            .spawn()
            .expect("start sleep");
        let pid = child.id();
        // Until the child has exec'd, /proc shows the parent's environment: wait for it.
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut found = find(&marker);
        while !found
            .iter()
            .any(|l| l.pid == pid && l.cmdline == "sleep 30")
        {
            assert!(
                Instant::now() < deadline,
                "sleep {pid} not found: {found:?}"
            );
            thread::sleep(Duration::from_millis(20));
            found = find(&marker);
        }
        assert_eq!(
            found.len(),
            1,
            "only the child carries the marker: {found:?}"
        );

        signal(&[pid], "KILL");
        let status = child.wait().expect("wait for sleep");
        assert!(!status.success());
        assert!(find(&marker).is_empty());
    }

    #[test]
    fn a_process_holding_a_marked_folder_open_is_found() {
        let marker = format!("leftovers-fd-{}", std::process::id());
        let dir = std::env::temp_dir().join(format!("gd-{marker}"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("held");
        std::fs::write(&file, "").expect("write");
        // No marker in its environment: only the open file names the run.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("exec sleep 30 < \"$0\"")
            .arg(&file)
            .env_remove(MARKER_VAR)
            .spawn()
            .expect("start sleep");
        let pid = child.id();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !find(&marker).iter().any(|l| l.pid == pid) {
            assert!(Instant::now() < deadline, "sleep {pid} not found");
            thread::sleep(Duration::from_millis(20));
        }
        assert!(check(&marker).is_err_and(|e| e.contains(&format!("pid {pid}: sleep 30"))));
        let _ = child.wait();
        assert!(find(&marker).is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
