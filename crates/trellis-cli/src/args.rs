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
    Backup {
        /// Where to write the copy (must not exist yet)
        dest: PathBuf,
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
