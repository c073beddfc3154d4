use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use uuid::Uuid;

#[derive(Parser)]
#[command(
    name = "trellis",
    version,
    about = "Trellis: anti-racist commissioning, from the command line"
)]
pub struct Cli {
    /// Database file [default: the desktop app's own database]
    #[arg(long, global = true, env = "TRELLIS_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Treat this date as today (YYYY-MM-DD), for repeatable scripts
    #[arg(long, global = true, env = "TRELLIS_TODAY", hide = true)]
    pub today: Option<NaiveDate>,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    pub fn today(&self) -> NaiveDate {
        self.today
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// Create the database (or migrate it) and print where it is
    Init,
    /// Load the demo programme into an empty database
    Demo,
    /// Organisations in the directory
    #[command(subcommand)]
    Org(OrgCommand),
    /// The relationship log: contacts and visits
    #[command(subcommand)]
    Contact(ContactCommand),
    /// Issues raised by communities
    #[command(subcommand)]
    Issue(IssueCommand),
    /// Meetings and workshops: attendance and notes
    #[command(subcommand)]
    Meeting(MeetingCommand),
    /// Ballots: create, open, close, count and audit
    #[command(subcommand)]
    Ballot(BallotCommand),
    /// Votes: cast, void, import paper ballots
    #[command(subcommand)]
    Vote(VoteCommand),
    /// Funding rounds: budget, grant sizes, questions, rubric
    #[command(subcommand)]
    Round(RoundCommand),
    /// The scoring rubric: import from or export to JSON
    #[command(subcommand)]
    Rubric(RubricCommand),
    /// Applications in any format
    #[command(subcommand)]
    Application(ApplicationCommand),
    /// Panel members
    #[command(subcommand)]
    Panel(PanelCommand),
    /// Assign a panel member to score an application
    Assign {
        application: Uuid,
        /// Panel member (name or id)
        assessor: String,
    },
    /// Declare a conflict of interest (or that there is none) before scoring
    #[command(subcommand)]
    Conflict(ConflictCommand),
    /// Score applications: drafts, submission, revisions
    #[command(subcommand)]
    Score(ScoreCommand),
    /// Moderation: everyone's scores side by side, flags, agreement
    #[command(subcommand)]
    Moderation(ModerationCommand),
    /// Decisions: suggested allocation within the budget, and recording decisions
    #[command(subcommand)]
    Decision(DecisionCommand),
    /// Feedback letters: draft, show, edit, approve, render, mark printed or sent; templates
    #[command(subcommand)]
    Letter(LetterCommand),
    /// A round's letters: list them, or render them all as one batch
    #[command(subcommand)]
    Letters(LettersCommand),
    /// Print the whole database as canonical JSON (same data, same bytes)
    Export {
        /// Write to this new file instead of standard output
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check the database: integrity, schema version, change log, row counts
    Doctor {
        #[arg(long)]
        json: bool,
    },
    /// Make a consistent copy of the database, even while the app is using it
    ///
    /// To restore, put the copy in the database's place (the laptop closed). A laptop
    /// enrolled for sync finds at its next sync that the server holds changes the copy
    /// lacks: it then carries on as a new device of the same user, sends again the
    /// changes it made since the backup, and receives what it lost. Nothing is lost or
    /// counted twice, and `trellis doctor` notes that the database was restored.
    Backup {
        /// Where to write the copy (must not exist yet)
        dest: PathBuf,
    },
    /// Enrol this laptop with a sync server, using a one-time code from `trellis-server enrol`
    Enrol {
        /// The server's address, e.g. https://sync.example.org or http://127.0.0.1:8710
        #[arg(long)]
        server: String,
        #[arg(long)]
        code: String,
    },
    /// Sync with the server now: send waiting changes, receive others'
    Sync {
        #[command(subcommand)]
        command: Option<SyncCommand>,
    },
}

#[derive(Subcommand)]
pub enum SyncCommand {
    /// Offline or synced, how many changes are waiting, when the last sync was
    Status {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
pub struct OrgFields {
    /// Organisation's name
    #[arg(long)]
    pub name: Option<String>,
    /// Identifier in org-id.guide form: GB-CHC-1234567, GB-COH-01234567, 360G-trellis-name
    #[arg(long = "ref", value_name = "ORG_REF")]
    pub org_ref: Option<String>,
    /// Make a 360G-trellis-... identifier from the name (for unregistered groups)
    #[arg(long, conflicts_with = "org_ref")]
    pub unregistered: bool,
    #[arg(long)]
    pub address: Option<String>,
    #[arg(long)]
    pub postcode: Option<String>,
    /// unknown, under-10k, 10k-25k, 25k-50k, 50k-100k, 100k-250k, 250k-500k, 500k-1m, over-1m
    #[arg(long)]
    pub income_band: Option<String>,
    /// DEI taxonomy code of a community the organisation is led by (repeat for more)
    #[arg(long = "led-by", value_name = "CODE")]
    pub led_by: Vec<String>,
    /// DEI taxonomy code of a community served (repeat for more)
    #[arg(long = "serves", value_name = "CODE")]
    pub communities_served: Vec<String>,
}

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Add an organisation
    Add {
        #[command(flatten)]
        fields: OrgFields,
        /// Use this id (for repeatable imports); default: a new one
        #[arg(long)]
        id: Option<Uuid>,
    },
    /// Change some fields of an organisation
    Edit {
        /// Id, identifier or exact name
        organisation: String,
        #[command(flatten)]
        fields: OrgFields,
    },
    /// List organisations
    List {
        /// Only those whose name, identifier or postcode contains this
        #[arg(long)]
        search: Option<String>,
        /// Only those nobody has contacted for this many days
        #[arg(long, value_name = "DAYS")]
        not_contacted: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// Record how an organisation wants its letters: large print (16 pt) or standard
    Prefer {
        /// Id, identifier or exact name
        organisation: String,
        #[arg(
            long,
            conflicts_with = "standard_print",
            required_unless_present = "standard_print"
        )]
        large_print: bool,
        #[arg(long)]
        standard_print: bool,
    },
    /// Show one organisation and its contacts
    Show {
        /// Id, identifier or exact name
        organisation: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum ContactCommand {
    /// Log a contact with an organisation
    Add {
        /// Id, identifier or exact name
        organisation: String,
        /// YYYY-MM-DD [default: today]
        #[arg(long)]
        date: Option<String>,
        /// visit, call, meeting, email or event
        #[arg(long)]
        kind: String,
        /// Who made the contact from the commissioning side
        #[arg(long)]
        by: String,
        #[arg(long, default_value = "")]
        notes: String,
        /// YYYY-MM-DD by which to be in touch again
        #[arg(long)]
        follow_up: Option<String>,
        #[arg(long)]
        id: Option<Uuid>,
    },
    /// List contacts, newest first
    List {
        /// Only this organisation (id, identifier or exact name)
        organisation: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum IssueCommand {
    /// Record an issue raised by a community
    Add {
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        description: String,
        /// Meeting where it was raised (id or exact title)
        #[arg(long)]
        meeting: Option<String>,
        /// DEI taxonomy code of a community affected (repeat for more)
        #[arg(long = "community", value_name = "CODE")]
        communities: Vec<String>,
        /// A service user's words (repeat for more)
        #[arg(long = "quote")]
        quotes: Vec<String>,
    },
    /// List issues (merged issues folded into the one they became)
    List {
        /// Also list issues that were merged into others
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Fold one issue into another when two meetings raised the same thing
    Merge { from: Uuid, into: Uuid },
    /// Add evidence to an issue: text, a link, or a quote
    Evidence {
        issue: Uuid,
        /// text, link or quote
        #[arg(long, default_value = "text")]
        kind: String,
        #[arg(long, default_value = "")]
        text: String,
        #[arg(long, default_value = "")]
        url: String,
        /// A file to attach as evidence (stored once by content)
        #[arg(long)]
        file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum MeetingCommand {
    /// Add a meeting or workshop
    Add {
        /// forum, special-interest-group, assembly, blue-sky-workshop, topic-workshop
        #[arg(long)]
        kind: String,
        #[arg(long)]
        title: String,
        /// YYYY-MM-DD
        #[arg(long)]
        date: String,
        /// HH:MM
        #[arg(long, default_value = "")]
        time: String,
        #[arg(long, default_value = "")]
        venue: String,
        #[arg(long = "facilitator")]
        facilitators: Vec<String>,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    /// Record someone as attending: an organisation, a person, or a person for an organisation
    Attend {
        /// Meeting id or exact title
        meeting: String,
        /// Organisation (id, identifier or exact name)
        #[arg(long)]
        org: Option<String>,
        /// Person's name
        #[arg(long, default_value = "")]
        person: String,
        /// Not on the list beforehand: added on the spot
        #[arg(long)]
        walk_in: bool,
    },
    /// List who attended
    Attendance {
        meeting: String,
        #[arg(long)]
        json: bool,
    },
    /// Capture an idea or note, optionally linked to issues
    Note {
        meeting: String,
        #[arg(long)]
        text: String,
        #[arg(long = "issue")]
        issues: Vec<Uuid>,
    },
}

#[derive(Subcommand)]
pub enum BallotCommand {
    /// Create a ballot (it starts as a draft; open it to take votes)
    Create {
        #[arg(long)]
        question: String,
        /// An option's label (repeat, in display order)
        #[arg(long = "option")]
        options: Vec<String>,
        /// An issue as an option (its id; repeat), listed after the --option labels. Uses the issue's title as the label.
        #[arg(long = "issue-option")]
        issue_options: Vec<Uuid>,
        /// plurality, approval, dots, irv, borda or score
        #[arg(long)]
        method: String,
        /// Dots per voter (dots method)
        #[arg(long, default_value_t = 3)]
        dots: u32,
        /// Most dots on one option (dots method)
        #[arg(long, default_value_t = 2)]
        max_per_option: u32,
        /// Highest score (score method)
        #[arg(long, default_value_t = 5)]
        max_score: u32,
        /// organisation (one vote each), attendee (of --meeting) or token (anonymous)
        #[arg(long, default_value = "organisation")]
        voters: String,
        /// Meeting id or exact title
        #[arg(long)]
        meeting: Option<String>,
        /// YYYY-MM-DDTHH:MM
        #[arg(long)]
        opens: Option<chrono::NaiveDateTime>,
        #[arg(long)]
        closes: Option<chrono::NaiveDateTime>,
        /// Seed for any lot an IRV count draws [default: random, recorded]
        #[arg(long)]
        seed: Option<u64>,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    Show {
        ballot: String,
        #[arg(long)]
        json: bool,
    },
    Open {
        ballot: String,
    },
    Close {
        ballot: String,
    },
    /// Show results on the projector (or hide them again with --hide)
    Reveal {
        ballot: String,
        #[arg(long)]
        hide: bool,
    },
    /// Issue anonymous voting tokens and print them
    Tokens {
        ballot: String,
        #[arg(long, default_value_t = 30)]
        count: usize,
    },
    /// The count so far (IRV round by round), with turnout, voids and conflicts
    Tally {
        ballot: String,
        #[arg(long)]
        json: bool,
    },
    /// Every vote: when, on which laptop, who keyed it, voided or not
    Audit {
        ballot: String,
        #[arg(long)]
        csv: bool,
    },
    /// Publishable results: csv, json, rctab (IRV round-by-round summary) or pabulib
    Export {
        ballot: String,
        #[arg(long, default_value = "json")]
        format: String,
    },
    /// Settle a voter's conflicting votes by choosing the one that stands
    Resolve {
        ballot: String,
        #[arg(long)]
        voter: String,
        #[arg(long)]
        keep: Uuid,
        #[arg(long)]
        reason: String,
        #[arg(long, env = "TRELLIS_USER", default_value = "staff")]
        by: String,
    },
}

#[derive(Subcommand)]
pub enum VoteCommand {
    /// Record one vote
    Cast {
        ballot: String,
        /// Organisation, attendee name or token
        #[arg(long)]
        voter: String,
        /// Option number, label or id; repeat in order for ranked ballots ("-" skips a rank)
        #[arg(long = "choice")]
        choices: Vec<String>,
        /// option=number, for dots and scores (repeat)
        #[arg(long = "amount", value_name = "OPTION=N")]
        amounts: Vec<String>,
        /// A paper ballot keyed in by hand
        #[arg(long)]
        paper: bool,
        /// Who is keying it in
        #[arg(long, env = "TRELLIS_USER", default_value = "staff")]
        by: String,
    },
    /// Void a vote (it stays on the audit list)
    Void {
        vote: Uuid,
        #[arg(long)]
        reason: String,
        #[arg(long, env = "TRELLIS_USER", default_value = "staff")]
        by: String,
    },
    /// Import paper ballots from CSV (all or nothing)
    Import {
        ballot: String,
        file: PathBuf,
        #[arg(long, env = "TRELLIS_USER", default_value = "staff")]
        by: String,
    },
}

// Parsed once per process, so the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum RoundCommand {
    /// Create a funding round (uses the default rubric unless --rubric is given)
    Create {
        #[arg(long)]
        title: String,
        #[arg(long)]
        topic: String,
        /// The ballot that chose the topic
        #[arg(long)]
        ballot: Option<String>,
        #[arg(long)]
        budget: String,
        #[arg(long)]
        min_grant: String,
        #[arg(long)]
        max_grant: String,
        /// Refuse core-funding bids
        #[arg(long)]
        no_core_funding: bool,
        /// Do not move small organisations' core-funding bids ahead in the suggested allocation
        #[arg(long)]
        no_small_org_priority: bool,
        #[arg(long, default_value = "100000")]
        small_org_threshold: String,
        /// YYYY-MM-DD
        #[arg(long)]
        opens: String,
        #[arg(long)]
        closes: String,
        /// An application question (repeat; five at most)
        #[arg(long = "question")]
        questions: Vec<String>,
        /// Rubric JSON file
        #[arg(long)]
        rubric: Option<PathBuf>,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    Show {
        round: String,
        #[arg(long)]
        json: bool,
    },
    /// Give one applicant more time
    Extend {
        round: String,
        organisation: String,
        /// YYYY-MM-DD
        until: chrono::NaiveDate,
    },
    /// The round's published numbers
    Numbers {
        round: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum RubricCommand {
    /// Check a rubric file and print it normalised (use with round create --rubric)
    Import { file: PathBuf },
    /// Print a round's rubric (or the default rubric) as JSON
    Export { round: Option<String> },
}

#[derive(Subcommand)]
pub enum ApplicationCommand {
    Add {
        round: String,
        /// Organisation (identifier, name or id)
        organisation: String,
        /// The organisation is new: add it to the directory on the spot as an unregistered
        /// group (360G-trellis-...), with this name
        #[arg(long)]
        new: bool,
        #[arg(long)]
        amount: String,
        #[arg(long)]
        core: bool,
        /// written, audio, video or conversation (repeat for a mix)
        #[arg(long = "format")]
        formats: Vec<String>,
        #[arg(long)]
        summary: String,
        /// An answer, in the order of the round's questions (repeat)
        #[arg(long = "answer")]
        answers: Vec<String>,
        /// YYYY-MM-DD [default: today]
        #[arg(long)]
        received: Option<String>,
    },
    /// Import applications from CSV (all or nothing)
    Import { round: String, file: PathBuf },
    List {
        round: String,
        #[arg(long)]
        json: bool,
    },
    Show {
        application: Uuid,
        #[arg(long)]
        json: bool,
    },
    /// Attach a file (recording, document); stored once by content
    Attach { application: Uuid, file: PathBuf },
    /// Log bid-writing support given
    Support {
        application: Uuid,
        #[arg(long)]
        kind: String,
        #[arg(long)]
        by: String,
        #[arg(long)]
        date: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum PanelCommand {
    Add {
        name: String,
        /// assessor, chair or staff
        #[arg(long, default_value = "assessor")]
        role: String,
    },
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum ConflictCommand {
    Declare {
        application: Uuid,
        /// Panel member (name or id)
        #[arg(long = "as")]
        assessor: String,
        /// The relationship with the organisation (a conflict)
        #[arg(long)]
        relationship: Option<String>,
        /// Declare that there is no conflict
        #[arg(long, conflicts_with = "relationship")]
        none: bool,
    },
}

#[derive(Args)]
pub struct ScoreArgs {
    pub application: Uuid,
    /// Panel member (name or id)
    #[arg(long = "as")]
    pub assessor: String,
    /// Criterion id (see `trellis rubric export`)
    #[arg(long)]
    pub criterion: Option<String>,
    #[arg(long)]
    pub value: Option<u8>,
    /// Why this score
    #[arg(long)]
    pub why: Option<String>,
}

#[derive(Subcommand)]
pub enum ScoreCommand {
    /// Set one criterion in your draft (saved at once)
    Set(ScoreArgs),
    /// Submit your draft (every criterion scored and justified)
    Submit {
        application: Uuid,
        #[arg(long = "as")]
        assessor: String,
    },
    /// Change one criterion of your submitted scores, with a reason (kept)
    Revise {
        #[command(flatten)]
        score: ScoreArgs,
        #[arg(long)]
        reason: String,
    },
    /// The scores you may see for an application
    Show {
        application: Uuid,
        #[arg(long = "as")]
        assessor: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum ModerationCommand {
    Report {
        round: String,
        #[arg(long)]
        json: bool,
    },
    /// Record the panel's agreed scores: criterion=value:comment (repeat), and a note
    Agree {
        application: Uuid,
        #[arg(long = "score", value_name = "CRITERION=VALUE:COMMENT")]
        scores: Vec<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
}

#[derive(Subcommand)]
pub enum DecisionCommand {
    /// Suggested allocation in rank order within the budget
    Allocate {
        round: String,
        #[arg(long)]
        json: bool,
    },
    Record {
        application: Uuid,
        /// funded, not-funded or waitlisted
        #[arg(long)]
        outcome: String,
        #[arg(long, default_value = "")]
        amount: String,
        #[arg(long, default_value = "")]
        conditions: String,
        /// Why, in plain English (goes into the letter)
        #[arg(long)]
        reasons: String,
    },
}

#[derive(Subcommand)]
pub enum LetterCommand {
    /// Draft a letter for every decided application of the round that has none yet
    Draft {
        /// Round (id or exact title)
        round: String,
        /// Draft only this application's letter (an error if it has no decision)
        #[arg(long)]
        application: Option<Uuid>,
    },
    /// Show a letter: its state, every version and the current text
    Show {
        letter: Uuid,
        /// Print the letter (all versions and states) as JSON
        #[arg(long)]
        json: bool,
        /// Print only the latest version's text as JSON, ready to edit and pass to
        /// `letter edit --file`
        #[arg(long, conflicts_with = "json")]
        content: bool,
    },
    /// Save a new version: the whole text from a JSON file (as printed by
    /// `letter show --content`), or single paragraphs replaced with --paragraph N=TEXT
    /// (numbered from 1 through the paragraphs before the table, then those after it)
    Edit {
        letter: Uuid,
        #[arg(long, value_name = "TEXT.json", required_unless_present = "paragraphs")]
        file: Option<PathBuf>,
        #[arg(long = "paragraph", value_name = "N=TEXT", conflicts_with = "file")]
        paragraphs: Vec<String>,
    },
    /// Approve the latest version (it is then frozen; it is dated today)
    Approve { letter: Uuid },
    /// Set a letter aside (kept, never printed): how to settle two letters drafted for one
    /// application on two laptops
    Withdraw {
        letter: Uuid,
        /// Why, for the record
        #[arg(long)]
        reason: String,
        /// Who is withdrawing it
        #[arg(long)]
        by: String,
    },
    /// Render the approved version as an A4 PDF
    Render {
        letter: Uuid,
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        /// Large print (16 pt); on anyway for organisations that asked for it
        #[arg(long)]
        large_print: bool,
    },
    /// Record that the approved letter was printed
    MarkPrinted {
        letter: Uuid,
        /// Default: today
        #[arg(long)]
        date: Option<NaiveDate>,
    },
    /// Record that the approved letter was sent, and how
    MarkSent {
        letter: Uuid,
        /// post, email or hand
        #[arg(long)]
        how: String,
        /// Default: today
        #[arg(long)]
        date: Option<NaiveDate>,
    },
    /// Letter templates for funded, not-funded and waitlisted applicants
    #[command(subcommand)]
    Template(TemplateCommand),
    /// The letterhead and sign-off: programme name, address lines, who signs
    Letterhead {
        #[arg(long)]
        programme: Option<String>,
        /// An address line (repeat, in order; up to 6)
        #[arg(long = "line", value_name = "TEXT")]
        lines: Vec<String>,
        #[arg(long)]
        sign_off: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum TemplateCommand {
    /// Print the template as JSON (the stored one, or the default)
    Show {
        /// funded, not-funded or waitlisted
        kind: String,
    },
    /// Save a template from a JSON file; unknown placeholders are refused
    Set {
        /// funded, not-funded or waitlisted
        kind: String,
        #[arg(long, value_name = "TEMPLATE.json")]
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum LettersCommand {
    /// The round's letters and their state
    List {
        round: String,
        #[arg(long)]
        json: bool,
    },
    /// Render every approved letter of the round: one PDF per applicant in DIR, and
    /// optionally one combined print file
    Render {
        round: String,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[arg(long, value_name = "FILE.pdf")]
        combined: Option<PathBuf>,
        /// Large print for every letter (otherwise only for organisations that asked)
        #[arg(long)]
        large_print: bool,
        /// Open the combined file in the system's PDF viewer, ready to print
        #[arg(long, requires = "combined")]
        open: bool,
    },
}
