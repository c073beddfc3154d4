//! The real `trellis-server` binary and real `trellis` CLI databases, over loopback.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The real `trellis-server` binary serving a database in `dir` on a free loopback port.
pub struct Server {
    child: Child,
    pub db: PathBuf,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Adds `users` (name, role), then serves.
    pub fn start(dir: &Path, users: &[(&str, &str)]) -> Server {
        let db = dir.join("server.sqlite3");
        for (name, role) in users {
            run(admin(&db).args(["user", "add", name, "--role", role]));
        }
        let mut child = admin(&db)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .rsplit(' ')
            .next()
            .expect("the server prints its address")
            .to_owned();
        let server = Server { child, db, url };
        assert!(server.url.starts_with("http://127.0.0.1:"), "{line}");
        server
    }

    pub fn admin(&self) -> Command {
        admin(&self.db)
    }
}

pub fn admin(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trellis-server"));
    c.arg("--db").arg(db);
    c
}

/// A laptop: the real `trellis` CLI on its own database in `dir`.
pub fn laptop(cli: &Path, dir: &Path, name: &str) -> impl Fn() -> Command {
    let (cli, db) = (cli.to_path_buf(), dir.join(format!("{name}.sqlite3")));
    move || {
        let mut c = Command::new(&cli);
        c.arg("--db")
            .arg(&db)
            .env_remove("TRELLIS_DB")
            // The token in the file, even on a desktop with a keyring (tested apart).
            .env("TRELLIS_TOKEN_STORE", "file");
        c
    }
}
