//! Harness for driving the real Trellis desktop app: a private Xvfb display, a
//! tauri-driver per database, and WebDriver sessions on the built `trellis-app` binary.
//!
//! Every WebDriver call goes through [`within`], because a WebDriver request that never
//! answers (tauri-driver 2.1's screenshot does this) must fail the test, not hang CI.
//! Every child process is owned by a [`ChildGuard`] and killed, with its process group,
//! when the guard drops, including when a test panics.

use std::future::Future;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

pub mod voting;

/// Longest any single WebDriver request may take. Starting a session launches the app,
/// so it gets longer.
pub const CALL: Duration = Duration::from_secs(40);
pub const SESSION_START: Duration = Duration::from_secs(60);

const HOW_TO_FIX: &str =
    "run `scripts/test.sh`, which installs what the end-to-end tests need and builds the app first";

/// Awaits `fut`, failing with `what` if it takes longer than `limit`.
pub async fn within<T, E>(
    what: &str,
    limit: Duration,
    fut: impl Future<Output = std::result::Result<T, E>>,
) -> Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match tokio::time::timeout(limit, fut).await {
        Ok(result) => result.with_context(|| format!("WebDriver: {what}")),
        Err(_) => bail!("WebDriver: {what} took longer than {limit:?}"),
    }
}

/// The workspace root, found from this crate's manifest directory (tests/e2e).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `<target>/debug/trellis-app`, honouring CARGO_TARGET_DIR as cargo does.
pub fn app_binary() -> Result<PathBuf> {
    workspace_binary("trellis-app")
}

/// `<target>/debug/<name>`: a binary `cargo build --workspace` made (the app, the
/// `trellis` command line, `trellis-server`), honouring CARGO_TARGET_DIR as cargo does.
pub fn workspace_binary(name: &str) -> Result<PathBuf> {
    let root = workspace_root();
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                root.join(dir)
            }
        }
        _ => root.join("target"),
    };
    let binary = target.join("debug").join(name);
    if !binary.is_file() {
        bail!(
            "{name} is not built: {} is missing; {HOW_TO_FIX}",
            binary.display()
        );
    }
    binary
        .canonicalize()
        .with_context(|| format!("resolving {}", binary.display()))
}

/// Finds a program on PATH (and in ~/.cargo/bin, where `cargo install` puts tauri-driver).
pub fn require_program(name: &str) -> Result<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| anyhow!("`{name}` is not installed; {HOW_TO_FIX}"))
}

/// A child process killed (with every process in its group) when dropped.
pub struct ChildGuard {
    name: &'static str,
    child: Child,
}

impl ChildGuard {
    /// Starts `command` in a new process group so that its own children (WebKitWebDriver
    /// and the app under tauri-driver) can be ended together.
    pub fn spawn(name: &'static str, mut command: Command) -> Result<ChildGuard> {
        command.process_group(0).stdin(Stdio::null());
        let child = command
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        Ok(ChildGuard { name, child })
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Fails if the process has already exited (for example Xvfb finding its display taken).
    pub fn check_running(&mut self) -> Result<()> {
        match self.child.try_wait()? {
            Some(status) => bail!("{} exited early: {status}", self.name),
            None => Ok(()),
        }
    }

    fn signal_group(&self, signal: &str) {
        // The group id is the child's pid because it was spawned with process_group(0).
        let _ = Command::new("kill")
            .args([signal, "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            self.signal_group("-KILL");
            return;
        }
        self.signal_group("-TERM");
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Anything left in the group (an app WebKitWebDriver did not close) goes too.
        self.signal_group("-KILL");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private X display for the app, so tests never touch a real desktop.
pub struct Display {
    pub name: String,
    _xvfb: ChildGuard,
}

impl Display {
    /// Starts Xvfb with `-displayfd 1`: the server picks a free display number itself
    /// (atomically, with its own lock files) and writes it to stdout once it accepts
    /// connections. Guessing a number instead races when tests start displays at once,
    /// and two tests sharing one server lose it when the first one ends.
    pub fn start() -> Result<Display> {
        let xvfb = require_program("Xvfb")?;
        let mut command = Command::new(xvfb);
        command
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut guard = ChildGuard::spawn("Xvfb", command)?;
        let stdout = guard
            .child
            .stdout
            .take()
            .ok_or_else(|| anyhow!("Xvfb's stdout was not captured"))?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let result =
                std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line);
            let _ = tx.send(result.map(|_| line));
        });
        let line = match rx.recv_timeout(Duration::from_secs(15)) {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => return Err(e).context("reading Xvfb's display number"),
            Err(_) => bail!("Xvfb did not report a display number within 15 s"),
        };
        let number: u32 = line
            .trim()
            .parse()
            .with_context(|| format!("Xvfb reported {line:?} instead of a display number"))?;
        guard.check_running()?;
        Ok(Display {
            name: format!(":{number}"),
            _xvfb: guard,
        })
    }

    /// Saves the part of the screen inside `rect` (x, y, width, height) as a PNG, with
    /// ImageMagick's `import`, because a WebDriver screenshot through tauri-driver 2.1
    /// never answers.
    pub fn screenshot(&self, path: &Path, rect: (u64, u64, u64, u64)) -> Result<()> {
        let import = require_program("import")?;
        let (x, y, w, h) = rect;
        let crop = format!("{w}x{h}+{x}+{y}");
        let status = Command::new(import)
            .args(["-window", "root", "-crop", &crop, "+repage"])
            .arg(path)
            .env("DISPLAY", &self.name)
            .status()
            .context("running import")?;
        if !status.success() {
            bail!("import failed: {status}");
        }
        Ok(())
    }
}

/// A port nothing listens on right now (the kernel's pick, released at once).
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// One tauri-driver whose app sessions all use the database at `db`.
pub struct Driver {
    url: String,
    app: PathBuf,
    _process: ChildGuard,
}

impl Driver {
    /// The app reads `TRELLIS_DB` from its environment, which it inherits from
    /// tauri-driver through WebKitWebDriver; tauri:options has no way to pass it.
    ///
    /// `home` gets the app's XDG data, cache and config folders, so each driver's app has
    /// its own WebKit storage (two apps sharing one crash or hang under load) and a test
    /// never touches the real user's Trellis folders. Exported letters go to
    /// `home/exports` ([`Driver::exports`]) through `TRELLIS_EXPORT_DIR`, never to the
    /// user's Documents folder.
    pub fn start(display: &Display, db: &Path, home: &Path) -> Result<Driver> {
        Driver::start_app(display, db, home, app_binary()?)
    }

    /// [`Driver::start`] with more environment for the app (e.g. `TRELLIS_TOKEN_STORE`).
    pub fn start_with_env(
        display: &Display,
        db: &Path,
        home: &Path,
        env: &[(&str, &str)],
    ) -> Result<Driver> {
        Driver::launch(display, db, home, app_binary()?, env)
    }

    /// [`Driver::start`] with another build of the app (the benchmarks' release build).
    pub fn start_app(display: &Display, db: &Path, home: &Path, app: PathBuf) -> Result<Driver> {
        Driver::launch(display, db, home, app, &[])
    }

    fn launch(
        display: &Display,
        db: &Path,
        home: &Path,
        app: PathBuf,
        env: &[(&str, &str)],
    ) -> Result<Driver> {
        let tauri_driver = require_program("tauri-driver")?;
        require_program("WebKitWebDriver")?;
        let port = free_port()?;
        let native_port = free_port()?;
        let mut command = Command::new(tauri_driver);
        command
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("DISPLAY", &display.name)
            .env_remove("WAYLAND_DISPLAY")
            .env("TRELLIS_DB", db)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("TRELLIS_EXPORT_DIR", Driver::exports(home))
            .env_remove("TRELLIS_EXIT_AFTER_FIRST_PAINT")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut process = ChildGuard::spawn("tauri-driver", command)?;
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            process.check_running()?;
            if Instant::now() > deadline {
                bail!("tauri-driver did not listen on port {port} within 15 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Driver {
            url: format!("http://127.0.0.1:{port}"),
            app,
            _process: process,
        })
    }

    /// Where the app of a driver started with `home` exports letters
    /// (`TRELLIS_EXPORT_DIR`): each export is a new folder inside it.
    pub fn exports(home: &Path) -> PathBuf {
        home.join("exports")
    }

    /// Launches the app and returns a session on its main window.
    pub async fn session(&self) -> Result<Client> {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": self.app }),
        );
        within(
            "starting a session (launching the app)",
            SESSION_START,
            ClientBuilder::new(HttpConnector::new())
                .capabilities(caps)
                .connect(&self.url),
        )
        .await
    }
}

/// Waits until an element matching `css` exists and returns it.
pub async fn wait_for(client: &Client, css: &str) -> Result<fantoccini::elements::Element> {
    within(
        &format!("waiting for {css}"),
        CALL,
        client
            .wait()
            .at_most(CALL - Duration::from_secs(1))
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(css)),
    )
    .await
}

/// Polls `css`'s visible text until `check` accepts it, returning the last text seen.
pub async fn wait_for_text(
    client: &Client,
    css: &str,
    what: &str,
    check: impl Fn(&str) -> bool,
) -> Result<String> {
    let deadline = Instant::now() + CALL;
    let mut last = String::new();
    loop {
        if let Ok(Ok(el)) = tokio::time::timeout(CALL, client.find(Locator::Css(css))).await {
            if let Ok(Ok(text)) = tokio::time::timeout(CALL, el.text()).await {
                if check(&text) {
                    return Ok(text);
                }
                last = text;
            }
        }
        if Instant::now() > deadline {
            bail!("{css} never showed {what}; last text: {last:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for this test binary's turn to run an app, held until the guard drops. Two
/// apps (two tauri-drivers and WebKit web processes) starting at once on a two-core
/// machine under Xvfb is where hangs and refused WebDriver connections have been seen,
/// so every test that starts a [`Driver`] takes its turn first.
pub async fn one_app_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    TURN.lock().await
}

/// Clicks the element matching `css` once it exists.
pub async fn click(client: &Client, css: &str) -> Result<()> {
    let el = wait_for(client, css).await?;
    within(&format!("clicking {css}"), CALL, el.click()).await
}

/// Clears the box matching `css`, then types `text` into it.
pub async fn type_into(client: &Client, css: &str, text: &str) -> Result<()> {
    let el = wait_for(client, css).await?;
    within(&format!("clearing {css}"), CALL, el.clear()).await?;
    if text.is_empty() {
        // WebDriver refuses to send no keys; clearing was all there was to do.
        return Ok(());
    }
    within(&format!("typing into {css}"), CALL, el.send_keys(text)).await
}

/// Types `keys` wherever the focus is, as a keyboard user would.
pub async fn keyboard(client: &Client, keys: &str) -> Result<()> {
    let focused = within("finding the focused element", CALL, client.active_element()).await?;
    within(&format!("pressing {keys:?}"), CALL, focused.send_keys(keys)).await
}

/// One special key (Enter, Tab…) as the text WebDriver sends for it.
pub fn key(k: fantoccini::key::Key) -> String {
    char::from(k).to_string()
}

/// How many elements match `css` now.
pub async fn count(client: &Client, css: &str) -> Result<usize> {
    Ok(within(
        &format!("counting {css}"),
        CALL,
        client.find_all(Locator::Css(css)),
    )
    .await?
    .len())
}

/// How one run of the app ended, for tests that launch it without WebDriver.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the built app with `display` (or none), `env` and private XDG folders under
/// `home`, and waits up to `limit` for it to exit. Output goes through files, not pipes,
/// so a chatty WebKit cannot block the app on a full pipe.
pub fn run_app(
    display: Option<&Display>,
    home: &Path,
    env: &[(&str, &std::ffi::OsStr)],
    limit: Duration,
) -> Result<Run> {
    let app = app_binary()?;
    let out_path = home.join("stdout.txt");
    let err_path = home.join("stderr.txt");
    let mut command = Command::new(app);
    command
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("TRELLIS_DB")
        .env_remove("TRELLIS_EXIT_AFTER_FIRST_PAINT")
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .stdout(std::fs::File::create(&out_path)?)
        .stderr(std::fs::File::create(&err_path)?);
    if let Some(display) = display {
        command.env("DISPLAY", &display.name);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    let mut guard = ChildGuard::spawn("trellis-app", command)?;
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = guard.child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            bail!(
                "trellis-app did not exit within {limit:?}; stderr: {}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(guard);
    Ok(Run {
        code: status.code(),
        stdout: std::fs::read_to_string(&out_path)?,
        stderr: std::fs::read_to_string(&err_path)?,
    })
}
