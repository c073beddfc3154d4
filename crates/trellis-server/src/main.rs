//! `trellis-server`: serve the sync API, and administer users, enrolment codes and devices.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use trellis_server::{AppState, Limits, Role, ServerStore, SqliteServerStore};
use uuid::Uuid;

#[derive(Parser)]
#[command(name = "trellis-server", version, about = "Trellis's sync server")]
struct Cli {
    /// The server's database file
    #[arg(
        long,
        global = true,
        env = "TRELLIS_SERVER_DB",
        default_value = "trellis-server.sqlite3"
    )]
    db: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the /v1 sync API
    Serve {
        #[arg(long, default_value = "127.0.0.1:8710")]
        listen: SocketAddr,
    },
    /// Users and their roles
    #[command(subcommand)]
    User(UserCommand),
    /// Issue a one-time enrolment code for a laptop (valid 15 minutes)
    Enrol {
        #[arg(long)]
        user: String,
    },
    /// Enrolled laptops
    #[command(subcommand)]
    Device(DeviceCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user: admin, staff, facilitator or panel (a panel user's name is their panel member name)
    Add {
        name: String,
        #[arg(long)]
        role: Role,
    },
    /// Every user, their role and how many laptops sync as them
    List,
}

#[derive(Subcommand)]
enum DeviceCommand {
    List,
    /// Changes the server refused for good: which laptop and user, what, and why
    Refused,
    /// Refuse this device from now on (it is told why)
    Revoke {
        id: Uuid,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let store = SqliteServerStore::open(&cli.db)
        .with_context(|| format!("opening {}", cli.db.display()))?;
    match cli.command {
        Command::Serve { listen } => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .with_context(|| format!("listening on {listen}"))?;
                println!(
                    "trellis-server listening on http://{}",
                    listener.local_addr()?
                );
                let state = AppState::new(Arc::new(store), Limits::default());
                trellis_server::serve(listener, state).await?;
                anyhow::Ok(())
            })?;
        }
        Command::User(UserCommand::Add { name, role }) => {
            store.add_user(&name, role)?;
            println!("added {name} ({role})");
        }
        Command::User(UserCommand::List) => {
            for u in store.users()? {
                let laptops = match u.devices {
                    1 => "1 laptop".to_string(),
                    n => format!("{n} laptops"),
                };
                println!("{:<36} {:<12} {laptops}", u.name, u.role.as_str());
            }
        }
        Command::Enrol { user } => {
            let code = store.create_code(&user, chrono::Utc::now().timestamp_millis())?;
            println!("{code}");
            eprintln!("one-time code for {user}, valid for 15 minutes: trellis enrol --server URL --code {code}");
        }
        Command::Device(DeviceCommand::List) => {
            for d in store.devices()? {
                println!(
                    "{}  {:<20} {:<12} enrolled {}{}",
                    d.id,
                    d.user,
                    d.role,
                    d.enrolled_at,
                    if d.revoked { "  REVOKED" } else { "" }
                );
            }
        }
        Command::Device(DeviceCommand::Refused) => {
            let users: std::collections::HashMap<String, String> = store
                .devices()?
                .into_iter()
                .map(|d| (d.id.to_string(), d.user))
                .collect();
            for r in store.refused()? {
                let user = users
                    .get(&r.device_id)
                    .map_or("an unknown user", String::as_str);
                println!(
                    "{}  laptop {} ({user}) change {} ({}): {} — {}",
                    r.at, r.device_id, r.device_seq, r.kind, r.error, r.reason
                );
            }
        }
        Command::Device(DeviceCommand::Revoke { id }) => {
            store.revoke(id)?;
            println!("revoked {id}");
        }
    }
    Ok(())
}
