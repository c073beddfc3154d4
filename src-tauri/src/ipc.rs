//! The boundary between the UI and Rust: the Tauri command wrappers, the handler and the
//! UI's TypeScript, all made from the one list in command_list.rs, so a command's name,
//! arguments and types are written once. The TypeScript types come from the Rust types
//! themselves (ts-rs: a derive on each type, no runtime part, and its output is plain
//! declarations we assemble into one file here).

#[cfg(test)]
use std::collections::BTreeMap;

use tauri::{AppHandle, Manager};
#[cfg(test)]
use ts_rs::{Config, TypeVisitor, TS};

use crate::commands::{AppState, StoreGuard};
use crate::error::CommandError;

// The types the list names.
use crate::commands::{AppStatus, ReferenceLists, SharedIdentifier};
use crate::grants::{LettersExport, LongSentence};
use crate::sync::SyncView;
use trellis_app_core::ballots::{AuditRow, BallotExports, BallotInput};
use trellis_app_core::voters::VoterChoice;
use trellis_app_core::votes::{CastVote, KeyedVote};
use trellis_core::ballot::record::BallotStatus;
use trellis_core::contact::ContactInput;
use trellis_core::grants::decision::{DecisionInput, RoundNumbers};
use trellis_core::grants::moderation::ModerationReport;
use trellis_core::grants::scoring::Score;
use trellis_core::issue::IssueInput;
use trellis_core::letter::{LetterContent, Template};
use trellis_core::meeting::MeetingInput;
use trellis_core::organisation::OrganisationInput;
use trellis_core::FieldError;
use trellis_store::{
    AllocationView, ApplicationSummary, Attendee, BallotResult, BallotSummary, BallotView,
    IssueSummary, LetterView, MeetingSummary, OrganisationDetail, OrganisationSummary,
    PanelMemberView, RoundView, SheetView,
};
use uuid::Uuid;

/// What every command gets: the app, from which its state and the store.
pub struct Cx {
    app: AppHandle,
}

impl Cx {
    pub fn app(&self) -> &AppHandle {
        &self.app
    }

    pub fn state(&self) -> &AppState {
        self.app.state::<AppState>().inner()
    }

    /// The UI's connection (see [`AppState::store`]); releasing it tells the windows what
    /// the command's writes touched.
    pub fn store(&self) -> Result<StoreGuard<'_>, CommandError> {
        self.state().store_telling(Some(&self.app))
    }
}

/// Runs a command's work on the blocking pool: every command reads or writes SQLite (or
/// waits on the sync worker), which must not hold the async runtime's few threads or the
/// main thread that draws the windows.
async fn run<T: Send + 'static>(
    app: AppHandle,
    work: impl FnOnce(&Cx) -> Result<T, CommandError> + Send + 'static,
) -> Result<T, CommandError> {
    tauri::async_runtime::spawn_blocking(move || work(&Cx { app }))
        .await
        .map_err(|e| CommandError::store(format!("that action stopped part-way: {e}")))?
}

macro_rules! command_list {
    ($( $($window:ident)+ : $module:ident :: $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $out:ty ; )*) => {
        /// One Tauri command per line of the list, each calling its function.
        pub mod wrappers {
            use super::*;
            $(
                #[tauri::command]
                pub async fn $name(app: AppHandle $(, $arg: $ty)*) -> Result<$out, CommandError> {
                    run(app, move |cx| crate::$module::$name(cx $(, $arg)*)).await
                }
            )*
        }

        /// Every command, for `tauri::Builder::invoke_handler`.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$(wrappers::$name),*]
        }

        /// Each command's name and the windows allowed to call it (build.rs reads the
        /// same list to make the capabilities).
        #[cfg(test)]
        pub const COMMANDS: &[(&str, &[&str])] = &[$( (stringify!($name), &[$(stringify!($window)),+]) ),*];

        /// The UI's TypeScript: every type the commands exchange, then one function per
        /// command.
        #[cfg(test)]
        pub fn typescript() -> String {
            let mut out = Bindings::default();
            $(
                let args = vec![$( (stringify!($arg), out.ty::<$ty>()) ),*];
                let returns = out.ty::<$out>();
                out.command(stringify!($module), stringify!($name), args, returns);
            )*
            events(&mut out);
            out.finish()
        }
    };
}
include!("command_list.rs");

/// The events the shell sends the windows, with what each carries.
pub const SYNC_STATE: &str = "sync-state";
pub const CHANGED: &str = "changed";

#[cfg(test)]
fn events(out: &mut Bindings) {
    let sync = out.ty::<SyncView>();
    out.event("onSyncState", SYNC_STATE, sync);
    let changed = out.ty::<crate::events::ChangedEvent>();
    out.event("onChanged", CHANGED, changed);
}

#[cfg(test)]
#[derive(Default)]
struct Bindings {
    /// Declared types by name, so the file's order does not depend on the list's.
    types: BTreeMap<String, String>,
    commands: String,
    events: String,
}

#[cfg(test)]
/// Collects the declaration of a type and of every type it uses.
struct Collect<'a> {
    cfg: &'a Config,
    types: &'a mut BTreeMap<String, String>,
}

#[cfg(test)]
impl TypeVisitor for Collect<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if T::output_path().is_some() {
            let name = T::ident(self.cfg);
            let decl = format!("export {}", T::decl(self.cfg));
            match self.types.get(&name) {
                Some(seen) if *seen == decl => return,
                // Two Rust types with one name would silently shadow each other in TS.
                Some(_) => panic!("two types the commands use are both called {name}: rename one or add #[ts(rename = ...)]"),
                None => {
                    self.types.insert(name, decl);
                }
            }
        }
        T::visit_dependencies(self);
        // `Vec<T>`, `Option<T>` and the like name `T` as a generic, not a dependency.
        T::visit_generics(self);
    }
}

#[cfg(test)]
fn config() -> Config {
    // serde_json writes every integer as a JSON number, so TypeScript sees a number.
    Config::new().with_large_int("number")
}

#[cfg(test)]
fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
impl Bindings {
    /// `T`'s name in TypeScript, collecting its declaration.
    fn ty<T: TS + 'static + ?Sized>(&mut self) -> String {
        let cfg = config();
        let mut collect = Collect {
            cfg: &cfg,
            types: &mut self.types,
        };
        collect.visit::<T>();
        match T::name(&cfg).as_str() {
            "null" => "void".into(),
            name => name.into(),
        }
    }

    fn command(&mut self, module: &str, name: &str, args: Vec<(&str, String)>, returns: String) {
        let params: Vec<String> = args
            .iter()
            .map(|(arg, ty)| format!("{}: {ty}", camel(arg)))
            .collect();
        let payload = if args.is_empty() {
            String::new()
        } else {
            let keys: Vec<String> = args.iter().map(|(arg, _)| camel(arg)).collect();
            format!(", {{ {} }}", keys.join(", "))
        };
        self.commands.push_str(&format!(
            "/** src-tauri/src/{module}.rs `{name}` */\nexport function {}({}): Promise<{returns}> {{\n  return invoke<{returns}>(\"{name}\"{payload});\n}}\n\n",
            camel(name),
            params.join(", "),
        ));
    }

    fn event(&mut self, function: &str, name: &str, payload: String) {
        self.events.push_str(&format!(
            "export const {} = \"{name}\";\nexport function {function}(handler: (payload: {payload}) => void): Promise<UnlistenFn> {{\n  return listen<{payload}>(\"{name}\", (event) => handler(event.payload));\n}}\n\n",
            name.to_uppercase().replace('-', "_"),
        ));
    }

    fn finish(mut self) -> String {
        // The error every command rejects with.
        self.ty::<CommandError>();
        let mut out = String::from(
            "// Generated from the Rust types by src-tauri/src/ipc.rs and src/command_list.rs: do not\n\
             // edit. `TRELLIS_UPDATE_BINDINGS=1 cargo test -p trellis-app bindings` rewrites it;\n\
             // without the variable that test fails while this file is stale.\n\
             import { invoke } from \"@tauri-apps/api/core\";\n\
             import { listen, type UnlistenFn } from \"@tauri-apps/api/event\";\n\n",
        );
        for decl in self.types.values() {
            out.push_str(decl);
            out.push_str("\n\n");
        }
        out.push_str(&self.commands);
        out.push_str(&self.events);
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BINDINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/bindings.ts");

    /// The UI's bindings are regenerated here and compared: a changed Rust type or a new
    /// command fails this test until the file is written again.
    #[test]
    fn bindings_are_fresh() {
        let fresh = typescript();
        if std::env::var_os("TRELLIS_UPDATE_BINDINGS").is_some_and(|v| v == "1") {
            std::fs::write(BINDINGS, &fresh).expect("write ui/src/bindings.ts");
            return;
        }
        let committed = std::fs::read_to_string(BINDINGS).unwrap_or_default();
        assert!(
            committed == fresh,
            "ui/src/bindings.ts is stale: run `TRELLIS_UPDATE_BINDINGS=1 cargo test -p trellis-app bindings` and commit it"
        );
    }

    /// Screens call the generated functions; a hand-written `invoke("…")` would bypass the
    /// types (and the list) again.
    #[test]
    fn the_ui_calls_commands_only_through_the_bindings() {
        fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).expect("read ui/src").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, found);
                } else if path.extension().is_some_and(|e| e == "ts")
                    && !path.ends_with("bindings.ts")
                {
                    let text = std::fs::read_to_string(&path).expect("read a UI file");
                    if text.contains("invoke") || text.contains("@tauri-apps/api/event") {
                        found.push(path.display().to_string());
                    }
                }
            }
        }
        let mut found = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src"),
            &mut found,
        );
        assert!(found.is_empty(), "these call the shell directly: {found:?}");
    }

    #[test]
    fn every_command_is_named_once() {
        let mut names: Vec<&str> = COMMANDS.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "a command is listed twice");
    }

    /// Least privilege: the projector window may read a ballot's result and nothing else.
    #[test]
    fn the_projector_may_only_read_results() {
        let projector: Vec<&str> = COMMANDS
            .iter()
            .filter(|(_, windows)| windows.contains(&"projector"))
            .map(|(name, _)| *name)
            .collect();
        assert_eq!(projector, ["ballot_result"]);
    }

    #[test]
    fn sync_states_reach_the_ui() {
        let union = <SyncView as TS>::decl(&config());
        let states: Vec<String> = crate::sync::STATES
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect();
        assert!(union.contains(&states.join(" | ")), "{union}");
    }

    #[test]
    fn arguments_are_camel_case_as_tauri_expects() {
        assert_eq!(camel("walk_in"), "walkIn");
        assert_eq!(camel("resolve_conflict"), "resolveConflict");
        assert_eq!(camel("id"), "id");
    }
}
