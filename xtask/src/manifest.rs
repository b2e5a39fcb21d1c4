//! Derives each browser's manifest from the one source `manifest.json`.

use serde_json::{json, Value};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Browser {
    Chrome,
    Firefox,
}

impl Browser {
    pub const ALL: [Browser; 2] = [Browser::Chrome, Browser::Firefox];

    pub fn name(self) -> &'static str {
        match self {
            Browser::Chrome => "chrome",
            Browser::Firefox => "firefox",
        }
    }
}

/// Permissions only Firefox knows; Chromium warns about unknown ones.
const FIREFOX_ONLY_PERMISSIONS: [&str; 2] = ["dns", "captivePortal"];

/// Stamps the version and keeps only what `browser` understands: Chromium gets the service
/// worker, Firefox the module background script and its gecko settings.
pub fn derive(source: &Value, browser: Browser, version: &str) -> Result<Value, String> {
    let mut manifest = source.clone();
    let object = manifest
        .as_object_mut()
        .ok_or("manifest.json is not a JSON object")?;
    let background = object
        .get("background")
        .cloned()
        .ok_or("manifest.json has no background")?;
    let script = background
        .get("service_worker")
        .and_then(Value::as_str)
        .ok_or("manifest.json background has no service_worker")?;
    object.insert("version".into(), json!(version));
    match browser {
        Browser::Chrome => {
            object.insert(
                "background".into(),
                json!({ "service_worker": script, "type": "module" }),
            );
            object.remove("browser_specific_settings");
            if let Some(Value::Array(permissions)) = object.get_mut("permissions") {
                permissions
                    .retain(|p| !FIREFOX_ONLY_PERMISSIONS.contains(&p.as_str().unwrap_or("")));
            }
        }
        Browser::Firefox => {
            object.insert(
                "background".into(),
                json!({ "scripts": [script], "type": "module" }),
            );
            // Firefox's own minimum is in its gecko settings.
            object.remove("minimum_chrome_version");
        }
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> Value {
        json!({
            "manifest_version": 3,
            "background": { "service_worker": "background.js", "scripts": ["background.js"], "type": "module" },
            "permissions": ["storage", "dns"],
            "browser_specific_settings": {
                "gecko": { "id": "x@y" },
                "gecko_android": { "strict_min_version": "142.0" }
            }
        })
    }

    #[test]
    fn chrome_gets_a_service_worker_only() {
        let m = derive(&source(), Browser::Chrome, "1.2.3").expect("derives");
        assert_eq!(m["version"], "1.2.3");
        assert_eq!(
            m["background"],
            json!({"service_worker": "background.js", "type": "module"})
        );
        assert!(m.get("browser_specific_settings").is_none());
        assert_eq!(m["permissions"], json!(["storage"]));
    }

    #[test]
    fn firefox_gets_scripts_and_gecko_settings() {
        let m = derive(&source(), Browser::Firefox, "1.2.3").expect("derives");
        assert_eq!(
            m["background"],
            json!({"scripts": ["background.js"], "type": "module"})
        );
        assert_eq!(m["browser_specific_settings"]["gecko"]["id"], "x@y");
        // Firefox for Android installs it too, from its own minimum version.
        assert_eq!(
            m["browser_specific_settings"]["gecko_android"]["strict_min_version"],
            "142.0"
        );
        assert_eq!(m["permissions"], json!(["storage", "dns"]));
    }

    /// The real manifest: Firefox for Android's minimum is set, and no lower than the one
    /// `data_collection_permissions` needs there (142).
    #[test]
    fn the_manifest_names_firefox_for_android() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../manifest.json"))
                .expect("manifest.json");
        let source: Value = serde_json::from_str(&text).expect("valid JSON");
        let m = derive(&source, Browser::Firefox, "1").expect("derives");
        let version = m["browser_specific_settings"]["gecko_android"]["strict_min_version"]
            .as_str()
            .expect("gecko_android.strict_min_version");
        let major: u32 = version
            .split('.')
            .next()
            .and_then(|v| v.parse().ok())
            .expect("a version number");
        assert!(major >= 142, "{version}");
        let chrome = derive(&source, Browser::Chrome, "1").expect("derives");
        assert!(chrome.get("browser_specific_settings").is_none());
    }

    #[test]
    fn a_broken_source_is_a_clear_error() {
        assert!(derive(&json!([]), Browser::Chrome, "1").is_err());
        assert!(derive(&json!({"background": {}}), Browser::Chrome, "1").is_err());
    }
}
