// The one list of the commands the UI may call. Each line names the windows that may call
// it, the function that does the work (`fn(&Cx, args…) -> Result<Out, CommandError>`),
// its arguments and what it returns. From this list alone come the handler registration
// and the Tauri command wrappers (src/ipc.rs), each window's capability with one
// permission per command (build.rs) and the UI's typed functions in ui/src/bindings.ts
// (`cargo test -p trellis-app bindings` fails while that file is stale; run it with
// TRELLIS_UPDATE_BINDINGS=1 to write it). A new command is one function and one line here.
//
// Argument types and outputs must be in scope in src/ipc.rs. The projector may only read
// a ballot's result; everything else is the main window's.
command_list! {
    main: commands::app_status() -> AppStatus;
    main: commands::reference_lists() -> ReferenceLists;
    main: commands::load_demo() -> ();
    main: commands::list_organisations(query: String) -> Vec<OrganisationSummary>;
    main: commands::shared_identifiers() -> Vec<SharedIdentifier>;
    main: commands::get_organisation(id: String) -> OrganisationDetail;
    main: commands::validate_organisation(input: OrganisationInput) -> Vec<FieldError>;
    main: commands::add_organisation(input: OrganisationInput) -> Uuid;
    main: commands::update_organisation(id: String, input: OrganisationInput) -> bool;
    main: commands::suggest_org_ref(name: String) -> String;
    main: commands::log_contact(input: ContactInput) -> Uuid;
    main: commands::not_contacted(days: u32) -> Vec<OrganisationSummary>;
    main: commands::first_paint() -> ();
    // Meetings, issues and live voting.
    main: voting::list_meetings() -> Vec<MeetingSummary>;
    main: voting::add_meeting(input: MeetingInput) -> Uuid;
    main: voting::list_attendance(meeting_id: String) -> Vec<Attendee>;
    main: voting::attend(meeting_id: String, organisation_id: String, name: String, walk_in: bool) -> Uuid;
    main: voting::list_issues(include_merged: bool) -> Vec<IssueSummary>;
    main: voting::raise_issue(input: IssueInput) -> Uuid;
    main: voting::merge_issues(from: String, into: String) -> ();
    main: voting::list_ballots() -> Vec<BallotSummary>;
    main: voting::get_ballot(id: String) -> BallotView;
    main: voting::create_ballot(input: BallotInput) -> Uuid;
    main: voting::set_ballot_status(id: String, status: BallotStatus) -> ();
    main: voting::reveal_ballot(id: String, revealed: bool) -> ();
    main: voting::issue_tokens(id: String, count: usize) -> Vec<String>;
    main: voting::voter_suggestions(ballot_id: String, query: String) -> Vec<VoterChoice>;
    main: voting::cast_vote(input: KeyedVote) -> CastVote;
    main: voting::void_vote(vote_id: String, reason: String, by: String) -> ();
    main: voting::resolve_conflict(ballot_id: String, voter_key: String, keep: String, reason: String, by: String) -> ();
    main: voting::import_votes(ballot_id: String, text: String, recorded_by: String) -> usize;
    main projector: voting::ballot_result(id: String) -> BallotResult;
    main: voting::ballot_votes(id: String) -> Vec<AuditRow>;
    main: voting::ballot_exports(id: String) -> BallotExports;
    main: voting::open_projector(ballot_id: String) -> ();
    // Rounds, scoring, moderation, decisions and letters.
    main: grants::list_rounds() -> Vec<RoundView>;
    main: grants::get_round(round_id: String) -> RoundView;
    main: grants::list_panel_members() -> Vec<PanelMemberView>;
    main: grants::list_applications(round_id: String) -> Vec<ApplicationSummary>;
    main: grants::get_application(application_id: String) -> ApplicationSummary;
    main: grants::my_assignments(person_id: String) -> Vec<ApplicationSummary>;
    main: grants::declare_conflict(application_id: String, person_id: String, conflicted: bool, note: String) -> ();
    main: grants::save_score_draft(application_id: String, person_id: String, scores: Vec<Score>) -> ();
    main: grants::submit_scores(application_id: String, person_id: String, scores: Vec<Score>) -> ();
    main: grants::revise_scores(application_id: String, person_id: String, scores: Vec<Score>, reason: String) -> ();
    main: grants::score_sheets(application_id: String, person_id: String) -> Vec<SheetView>;
    main: grants::moderation_report(round_id: String) -> ModerationReport;
    main: grants::round_allocation(round_id: String) -> AllocationView;
    main: grants::record_decision(input: DecisionInput) -> Uuid;
    main: grants::round_numbers(round_id: String) -> RoundNumbers;
    main: grants::list_letters(round_id: String) -> Vec<LetterView>;
    main: grants::get_letter(letter_id: String) -> LetterView;
    main: grants::edit_letter(letter_id: String, content: LetterContent) -> u32;
    main: grants::approve_letter(letter_id: String) -> u32;
    main: grants::withdraw_letter(letter_id: String, reason: String, by: String) -> String;
    main: grants::long_sentences(text: String) -> Vec<LongSentence>;
    main: grants::get_letter_template(kind: String) -> Template;
    main: grants::set_letter_template(kind: String, template: Template) -> ();
    main: grants::export_letters(round_id: String) -> LettersExport;
    // Attachments; the bytes come over the attachment: scheme, not a command.
    main: attachments::attachment_location(sha256: String) -> String;
    main: attachments::attachment_media_base() -> Option<String>;
    // Background sync: the network is reached from Rust only.
    main: sync::sync_status() -> SyncView;
    main: sync::sync_now() -> ();
    main: sync::enrol_device(server: String, code: String) -> SyncView;
}
