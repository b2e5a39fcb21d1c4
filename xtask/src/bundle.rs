//! The background script and every module it imports in one file. A woken service worker
//! fetches and links every module its script imports before the script's first line runs, while
//! the visitor waits for the badge: traced in headless Chromium 156 with the worker stopped, the
//! script's first line ran 28-33 ms after a one-module baseline's with the three glue modules
//! imported, and 5-12 ms after it with them inlined. The last import, `banner.js` (the function
//! that runs inside a failed page), cost a stopped worker's badge another 3-6 ms in two one-off
//! runs (medians of 20 and 30, side by side in one run each). Only modules that import nothing
//! are inlined: the wasm-bindgen glue and `banner.js`.

use crate::util::{read, write, Result};
use std::path::Path;

/// Imports from under this folder are inlined: wasm-bindgen's output.
const INLINED: &str = "./core/";
/// Hand-written modules that are inlined too (they import nothing).
const INLINED_MODULES: [&str; 1] = ["./banner.js"];

fn is_inlined(path: &str) -> bool {
    path.starts_with(INLINED) || INLINED_MODULES.contains(&path)
}

/// Rewrites `script` (in a built extension folder) with each import of generated glue or of an
/// `INLINED_MODULES` module replaced by the module itself, and removes the files it inlined
/// (nothing else imports them).
pub fn inline_imports(script: &Path) -> Result {
    let dir = script.parent().ok_or("the script has no folder")?;
    let text = read(script)?;
    let mut out = String::with_capacity(text.len() * 4);
    let mut inlined = Vec::new();
    for line in text.lines() {
        match parse_import(line) {
            Some((clause, path)) if is_inlined(path) => {
                let glue_path = dir.join(path);
                let glue = read(&glue_path)?;
                let namespace = namespace_of(&glue).map_err(|e| format!("{path}: {e}"))?;
                let binding =
                    binding_of(clause).map_err(|e| format!("{}: {e}", script.display()))?;
                let what = if path.starts_with(INLINED) {
                    "wasm-bindgen's glue"
                } else {
                    "a module of its own in the source"
                };
                out.push_str(&format!(
                    "// {path}, inlined by `cargo xtask dist` (xtask/src/bundle.rs): {what}.\n"
                ));
                out.push_str(&format!("const {binding} = {namespace};\n"));
                inlined.push(glue_path);
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    // An import in a shape not read above would ship as a module of its own, unseen.
    let left_behind = |line: &str| {
        line.contains(&format!("from '{INLINED}"))
            || INLINED_MODULES
                .iter()
                .any(|module| line.contains(&format!("from '{module}'")))
    };
    if let Some(left) = out.lines().find(|l| left_behind(l)) {
        return Err(format!(
            "{}: `{left}`: not inlined (write each import of an inlined module on one line)",
            script.display()
        ));
    }
    write(script, out)?;
    for path in inlined {
        std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// `import CLAUSE from 'PATH';` on one line, as the shell writes its static imports.
fn parse_import(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("import ")?;
    let (clause, from) = rest.split_once(" from ")?;
    let path = from
        .strip_suffix(';')?
        .strip_prefix('\'')?
        .strip_suffix('\'')?;
    Some((clause.trim(), path))
}

/// The `const` pattern that binds what an import clause names: `* as ns`, `init`,
/// `init, { a, b as c }` or `{ a }`.
fn binding_of(clause: &str) -> std::result::Result<String, String> {
    if let Some(name) = clause.strip_prefix("* as ") {
        return identifier(name.trim()).map(str::to_string);
    }
    let (default, named) = match clause.split_once('{') {
        Some((before, braces)) => (
            before.trim().trim_end_matches(',').trim(),
            Some(
                braces
                    .strip_suffix('}')
                    .ok_or(format!("unclosed braces in `{clause}`"))?,
            ),
        ),
        None => (clause, None),
    };
    let mut fields = Vec::new();
    if !default.is_empty() {
        fields.push(format!("default: {}", identifier(default)?));
    }
    for entry in named
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        fields.push(match entry.split_once(" as ") {
            Some((name, local)) => format!(
                "{}: {}",
                identifier(name.trim())?,
                identifier(local.trim())?
            ),
            None => identifier(entry)?.to_string(),
        });
    }
    Ok(format!("{{ {} }}", fields.join(", ")))
}

/// The glue as an expression: its code in a function of its own (its top-level names stay its
/// own), returning what it exported. Refuses every form of module syntax it does not know, so a
/// new wasm-bindgen cannot change the shipped script unseen.
fn namespace_of(glue: &str) -> std::result::Result<String, String> {
    let mut body = String::with_capacity(glue.len() + 256);
    let mut exports: Vec<(String, String)> = Vec::new();
    for (number, line) in glue.lines().enumerate() {
        let at = || format!("line {}: `{line}`", number + 1);
        if line.starts_with("import") || line.contains("import(") {
            return Err(format!("{}: glue that imports cannot be inlined", at()));
        }
        let Some(exported) = line.strip_prefix("export ") else {
            body.push_str(line);
            body.push('\n');
            continue;
        };
        if let Some(list) = exported
            .strip_prefix('{')
            .and_then(|l| l.trim_end().strip_suffix("};"))
        {
            for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                let (local, name) = entry.split_once(" as ").unwrap_or((entry, entry));
                exports.push((
                    identifier(name.trim())?.into(),
                    identifier(local.trim())?.into(),
                ));
            }
            continue;
        }
        let declared = ["function ", "async function ", "class "]
            .iter()
            .find_map(|keyword| exported.strip_prefix(keyword))
            .ok_or_else(|| format!("{}: an export form the bundler does not know", at()))?;
        let name: String = declared
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '$')
            .collect();
        exports.push((identifier(&name)?.into(), name.clone()));
        body.push_str(exported);
        body.push('\n');
    }
    let fields: Vec<String> = exports
        .iter()
        .map(|(name, local)| {
            if name == local {
                name.clone()
            } else {
                format!("{name}: {local}")
            }
        })
        .collect();
    Ok(format!(
        "(() => {{\n{body}return {{ {} }};\n}})()",
        fields.join(", ")
    ))
}

fn identifier(name: &str) -> std::result::Result<&str, String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
        Ok(name)
    } else {
        Err(format!("`{name}` is not a plain name"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_clauses_become_const_patterns() {
        let cases = [
            ("* as failure", "failure"),
            ("initFirst", "{ default: initFirst }"),
            (
                "init, { handle_event, polite_send }",
                "{ default: init, handle_event, polite_send }",
            ),
            ("{ a as b }", "{ a: b }"),
        ];
        for (clause, expected) in cases {
            assert_eq!(binding_of(clause).as_deref(), Ok(expected), "{clause}");
        }
        assert!(binding_of("{ a-b }").is_err());
        assert!(binding_of("init, { a").is_err());
    }

    #[test]
    fn only_one_line_static_imports_are_parsed() {
        assert_eq!(
            parse_import("import init, { x } from './core/a/g.js';"),
            Some(("init, { x }", "./core/a/g.js"))
        );
        assert_eq!(parse_import("const x = import('./core/a.js');"), None);
        assert_eq!(parse_import("import './side-effect.js';"), None);
    }

    #[test]
    fn glue_becomes_a_namespace_expression() {
        let glue = "let wasm;\nexport function handle(kind) {\n  return wasm.x(kind);\n}\nasync function __wbg_init(p) {}\nexport { initSync, __wbg_init as default };\n";
        let namespace = namespace_of(glue).expect("known forms");
        assert!(namespace.starts_with("(() => {\nlet wasm;\nfunction handle(kind) {"));
        assert!(namespace.ends_with("return { handle, initSync, default: __wbg_init };\n})()"));
        assert!(!namespace.contains("export"));
    }

    #[test]
    fn unknown_module_syntax_is_refused() {
        for glue in [
            "import { x } from './y.js';\n",
            "export default function () {}\n",
            "export const x = 1;\n",
            "const m = await import('./m.js');\n",
        ] {
            assert!(namespace_of(glue).is_err(), "{glue}");
        }
    }

    #[test]
    fn inlines_the_glue_and_removes_its_file() {
        let dir = std::env::temp_dir().join(format!("gd-bundle-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("core/first")).expect("temp dir");
        std::fs::write(
            dir.join("core/first/g.js"),
            "export function go() { return 1; }\nexport { initSync, __wbg_init as default };\n",
        )
        .expect("glue");
        std::fs::write(
            dir.join("banner.js"),
            "// In the page.\nexport function inPage(a) {\n  return a;\n}\n",
        )
        .expect("module");
        std::fs::write(
            dir.join("bg.js"),
            "import init, { go } from './core/first/g.js';\nimport { inPage } from './banner.js';\nimport { b } from './other.js';\ngo();\n",
        )
        .expect("script");
        std::fs::write(
            dir.join("odd.js"),
            "import {\n  go,\n} from './core/first/g.js';\n",
        )
        .expect("script");
        assert!(inline_imports(&dir.join("odd.js")).is_err());
        inline_imports(&dir.join("bg.js")).expect("bundles");
        let script = std::fs::read_to_string(dir.join("bg.js")).expect("script");
        assert!(script.contains("const { default: init, go } = (() => {\nfunction go()"));
        assert!(
            script.contains("const { inPage } = (() => {\n// In the page.\nfunction inPage(a) {")
        );
        // A module not listed stays a module of its own.
        assert!(script.contains("import { b } from './other.js';\ngo();\n"));
        assert!(!dir.join("core/first/g.js").exists());
        assert!(!dir.join("banner.js").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
