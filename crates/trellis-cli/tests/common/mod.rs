//! Running the real `trellis` binary on a test database: one way for every CLI test file,
//! each with its own "today" and environment.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

pub struct Cli {
    /// `TRELLIS_TODAY`, so dates in the output do not depend on the day the test runs.
    pub today: &'static str,
    /// More environment for every run (e.g. who is recording).
    pub env: &'static [(&'static str, &'static str)],
}

impl Cli {
    /// Runs `trellis --db DB ARGS` with this file's environment plus `env`.
    pub fn run_with(&self, db: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.command(db, args, env).output().expect("run trellis")
    }

    /// The command `run_with` runs, for a test that needs its pipes itself.
    pub fn command(&self, db: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_trellis"));
        cmd.arg("--db")
            .arg(db)
            .args(args)
            .env("TRELLIS_TODAY", self.today)
            .env_remove("TRELLIS_DB")
            .env_remove("TRELLIS_ASSETS");
        for (k, v) in self.env.iter().chain(env) {
            cmd.env(k, v);
        }
        cmd
    }

    pub fn run(&self, db: &Path, args: &[&str]) -> Output {
        self.run_with(db, args, &[])
    }

    /// Standard output, trimmed, of a run that must succeed.
    pub fn ok(&self, db: &Path, args: &[&str]) -> String {
        let out = self.run(db, args);
        assert!(
            out.status.success(),
            "trellis {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .trim()
            .to_string()
    }

    /// Standard error of a run that must fail.
    pub fn fails(&self, db: &Path, args: &[&str]) -> String {
        let out = self.run(db, args);
        assert!(!out.status.success(), "trellis {args:?} should fail");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}
