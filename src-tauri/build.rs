// The commands come from src/command_list.rs, the one list (see there). From it this
// script makes one `allow-<command>` permission per command (tauri-build) and each
// window's capability, granting exactly the commands the list gives that window. The
// capabilities are written to OUT_DIR, never to the source tree, so they cannot go stale.

use std::fmt::Write as _;
use std::path::Path;

// The list's own grammar; types are parsed, never resolved, so none need be in scope.
macro_rules! command_list {
    ($( $($window:ident)+ : $module:ident :: $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $out:ty ; )*) => {
        const COMMANDS: &[(&str, &[&str])] = &[$( (stringify!($name), &[$(stringify!($window)),+]) ),*];
    };
}
include!("src/command_list.rs");

/// Each window's capability: its name, why, and the core permissions beyond commands.
const WINDOWS: &[(&str, &str, &[&str])] = &[
    (
        "main",
        "The main window may call Trellis's own commands listed for it in src/command_list.rs and listen for the shell's events, nothing else: no core defaults, no file system, shell, HTTP or other plugins.",
        &["core:event:allow-listen", "core:event:allow-unlisten"],
    ),
    (
        "projector",
        "The projector window only shows a ballot's tally: it may read the result and listen for the shell's events, nothing else (no writes, no other reads, no plugins).",
        &["core:event:allow-listen", "core:event:allow-unlisten"],
    ),
];

fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn capability(window: &str, description: &str, core: &[&str]) -> String {
    let mut permissions: Vec<String> = COMMANDS
        .iter()
        .filter(|(_, windows)| windows.contains(&window))
        .map(|(name, _)| format!("allow-{}", name.replace('_', "-")))
        .collect();
    permissions.extend(core.iter().map(|p| p.to_string()));
    let mut out = String::new();
    let _ = write!(
        out,
        "{{\"identifier\": {}, \"description\": {}, \"windows\": [{}], \"permissions\": [{}]}}",
        json_string(window),
        json_string(description),
        json_string(window),
        permissions
            .iter()
            .map(|p| json_string(p))
            .collect::<Vec<_>>()
            .join(", ")
    );
    out
}

fn main() {
    println!("cargo:rerun-if-changed=src/command_list.rs");
    let Ok(out_dir) = std::env::var("OUT_DIR") else {
        eprintln!("OUT_DIR is not set; run this through cargo");
        std::process::exit(1);
    };
    for (name, windows) in COMMANDS {
        if let Some(unknown) = windows
            .iter()
            .find(|w| !WINDOWS.iter().any(|(k, _, _)| k == *w))
        {
            eprintln!(
                "src/command_list.rs: {name} names a window {unknown} that build.rs does not know"
            );
            std::process::exit(1);
        }
    }
    let dir = Path::new(&out_dir).join("capabilities");
    if let Err(error) = std::fs::create_dir_all(&dir) {
        eprintln!("could not make {}: {error}", dir.display());
        std::process::exit(1);
    }
    for (window, description, core) in WINDOWS {
        let path = dir.join(format!("{window}.json"));
        if let Err(error) = std::fs::write(&path, capability(window, description, core)) {
            eprintln!("could not write {}: {error}", path.display());
            std::process::exit(1);
        }
    }
    let names: &'static [&'static str] = Box::leak(
        COMMANDS
            .iter()
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    let pattern: &'static str = Box::leak(format!("{}/*.json", dir.display()).into_boxed_str());
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern(pattern)
        .app_manifest(tauri_build::AppManifest::new().commands(names));
    if let Err(error) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build failed: {error:#}");
        std::process::exit(1);
    }
}
