//! A real server on 127.0.0.1 port 0, in this process, on its own runtime thread.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub mod real;

use trellis_server::{AppState, Limits, Role, ServerStore, SqliteServerStore};
use trellis_store::Store;

pub struct TestServer {
    pub url: String,
    pub store: Arc<SqliteServerStore>,
}

impl TestServer {
    pub fn start() -> TestServer {
        Self::start_with(Limits::default())
    }

    pub fn start_with(limits: Limits) -> TestServer {
        let store = Arc::new(SqliteServerStore::in_memory().unwrap());
        let state = AppState::new(store.clone(), limits);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                trellis_server::serve(listener, state).await.unwrap();
            });
        });
        let addr = rx.recv().unwrap();
        TestServer {
            url: format!("http://{addr}"),
            store,
        }
    }

    pub fn code(&self, user: &str, role: Role) -> String {
        let _ = self.store.add_user(user, role);
        self.store
            .create_code(user, chrono::Utc::now().timestamp_millis())
            .unwrap()
    }

    /// A new laptop database enrolled as `user`.
    pub fn laptop(&self, dir: &Path, name: &str, user: &str, role: Role) -> Store {
        let store = Store::open(&dir.join(format!("{name}.sqlite3"))).unwrap();
        trellis_sync::client::enrol(&store, &self.url, &self.code(user, role)).unwrap();
        store
    }

    pub fn changes_stored(&self) -> usize {
        let staff = trellis_server::Device {
            id: uuid::Uuid::nil(),
            user: "counter".into(),
            role: Role::Admin,
            revoked: false,
            enrolled_at: String::new(),
        };
        self.store.pull(&staff, 0, 10_000_000).unwrap().0.len()
    }
}

/// The `trellis` CLI built beside this test (`cargo build --workspace` makes it).
pub fn trellis_cli() -> PathBuf {
    // target/debug/deps/<test>-<hash> -> target/debug/trellis
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let cli = dir.join(format!("trellis{}", std::env::consts::EXE_SUFFIX));
    assert!(
        cli.exists(),
        "{} is missing: run `cargo build --workspace` before this test",
        cli.display()
    );
    cli
}
