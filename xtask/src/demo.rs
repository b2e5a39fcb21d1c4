//! `cargo xtask demo`: build, serve the demo site, and open Chromium with the extension on it.
//! Without a display it runs headless and saves a screenshot of the popup for the failing tab.

use crate::dist::{self, browser_dir};
use crate::manifest::Browser;
use crate::tools::{ensure_debian, ensure_npm_packages, BROWSERS};
use crate::util::{e2e_dir, root, run, Result};
use std::process::Command;

pub fn run_demo() -> Result {
    ensure_debian(BROWSERS)?;
    ensure_npm_packages()?;
    dist::build()?;
    let site = crate::demo_site::start(root().join("www").join("demo"))?;
    println!(
        "demo site: {}/ (the cart page fails with a real 502 Bad Gateway)",
        site.base
    );
    let has_display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    if has_display {
        let profile =
            std::env::temp_dir().join(format!("gateway-doctor-demo-{}", std::process::id()));
        let extension = browser_dir(Browser::Chrome);
        println!("opening Chromium; close it to end the demo");
        run(Command::new("chromium")
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--load-extension={}", extension.display()))
            .arg(format!(
                "--disable-extensions-except={}",
                extension.display()
            ))
            .args(["--no-first-run", "--no-default-browser-check"])
            .arg(format!("{}/", site.base))
            .arg(format!("{}/shop/cart", site.base)))?;
        let _ = std::fs::remove_dir_all(profile);
        return Ok(());
    }
    let screenshot = root().join("dist").join("demo-popup.png");
    // The down-for-everyone check asks our own checker, on loopback like the demo site.
    let checker = start_checker()?;
    run(Command::new("node")
        .arg(e2e_dir().join("demo.mjs"))
        .arg(format!("{}/shop/cart", site.base))
        .arg(&screenshot)
        .arg(format!("http://{}", checker.addr()))
        .current_dir(e2e_dir()))?;
    println!(
        "no display: ran headless; the popup for the failing tab is at {}",
        screenshot.display()
    );
    Ok(())
}

/// Gateway Doctor's checker (`www/`) in its test mode, on a free loopback port.
pub fn start_checker() -> Result<gateway_doctor_www::Running> {
    let config = gateway_doctor_www::Config {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        static_dir: root().join("www").join("static"),
        allow_private: true,
        cache_seconds: 0,
        rate_per_minute: 0,
        ..gateway_doctor_www::Config::default()
    };
    gateway_doctor_www::start(config)
}

/// `cargo xtask screenshots`: the README's pictures of the popup, from the real browser.
pub fn run_screenshots() -> Result {
    ensure_debian(&[BROWSERS, crate::tools::GATEWAYS].concat())?;
    ensure_npm_packages()?;
    dist::build()?;
    run(Command::new("cargo").args(["build", "--locked", "--package", "gateway-doctor-www"]))?;
    let checker = root()
        .join("target")
        .join("debug")
        .join("gateway-doctor-www");
    run(Command::new("node")
        .arg(e2e_dir().join("screenshots.mjs"))
        .arg(root().join("docs"))
        .env("GD_CHECKER_BIN", checker)
        .current_dir(e2e_dir()))
}
