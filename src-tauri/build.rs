// Every command the UI may call is declared here so tauri-build generates one
// `allow-<command>` permission per command; capabilities/main.json grants exactly these.
// A command missing from this list cannot be called at all.
const COMMANDS: &[&str] = &[
    "app_status",
    "reference_lists",
    "load_demo",
    "list_organisations",
    "shared_identifiers",
    "get_organisation",
    "validate_organisation",
    "add_organisation",
    "update_organisation",
    "suggest_org_ref",
    "log_contact",
    "not_contacted",
    "first_paint",
    // Meetings, issues and live voting (src/voting.rs).
    "list_meetings",
    "add_meeting",
    "list_attendance",
    "attend",
    "list_issues",
    "raise_issue",
    "merge_issues",
    "list_ballots",
    "get_ballot",
    "create_ballot",
    "set_ballot_status",
    "reveal_ballot",
    "issue_tokens",
    "voter_suggestions",
    "cast_vote",
    "void_vote",
    "resolve_conflict",
    "import_votes",
    "ballot_result",
    "ballot_votes",
    "ballot_exports",
    "open_projector",
    // Rounds, scoring, moderation, decisions and letters (src/grants.rs).
    "list_rounds",
    "get_round",
    "list_panel_members",
    "list_applications",
    "get_application",
    "my_assignments",
    "declare_conflict",
    "save_score_draft",
    "submit_scores",
    "revise_scores",
    "score_sheets",
    "moderation_report",
    "round_allocation",
    "record_decision",
    "round_numbers",
    "list_letters",
    "get_letter",
    "edit_letter",
    "approve_letter",
    "withdraw_letter",
    "export_letters",
    "long_sentences",
    "get_letter_template",
    "set_letter_template",
    // Attachments (src/attachments.rs); the bytes come over the attachment: scheme.
    "attachment_location",
    "attachment_media_base",
    // Background sync (src/sync.rs): the network is reached from Rust only.
    "sync_status",
    "sync_now",
    "enrol_device",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build failed: {error:#}");
        std::process::exit(1);
    }
}
