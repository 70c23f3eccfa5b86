//! Harness for the end-to-end tests: finds the built binaries, starts Xvfb and tauri-driver (and a
//! keyring session where a test needs one), and cleans up processes when a test ends (also when it
//! fails).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use showroom_core::domain::{Timestamp, time::clock};

/// The instant every end-to-end test's clock starts at: a Wednesday afternoon in the middle of a
/// month, so "today", "this month" and "last month" hold data whatever day the suite runs (the
/// dashboard test failed on the 1st of every month with the system clock).
pub const PINNED_NOW: &str = "2026-11-18T16:30:00Z";

/// Pins this test process's clock (once, at [`PINNED_NOW`]) and returns the pinned clock's reading
/// now, for a process about to start: every process of a run then shares one timeline that starts
/// at the pin and runs forward in real time.
pub fn pinned_now() -> String {
    static START: OnceLock<Instant> = OnceLock::new();
    let pin = clock::parse(PINNED_NOW).expect("PINNED_NOW is an instant");
    let start = *START.get_or_init(|| {
        clock::start_at(pin);
        Instant::now()
    });
    Timestamp::from_millis(pin.millis() + start.elapsed().as_millis() as i64).to_string()
}

/// Gives a command the pinned clock and a fixed time zone (UTC), so what it computes does not
/// depend on the day or the machine's zone.
/// Every launched app, CLI and server also opens its data with [`PASSPHRASE`] and no OS keyring (the
/// keyring path has its own test under a private D-Bus session).
pub fn pin(cmd: &mut Command) -> &mut Command {
    cmd.env(clock::ENV, pinned_now())
        .env("TZ", "UTC")
        .env("SHOWROOM_KEYRING", "off")
        .env("SHOWROOM_PASSPHRASE", PASSPHRASE)
}

/// The passphrase test data folders are encrypted with.
pub const PASSPHRASE: &str = "test data passphrase";

/// How tests open a data folder the way the launched app does.
pub fn unlock() -> showroom_core::vault::Unlock {
    showroom_core::vault::Unlock::passphrase(PASSPHRASE)
}

/// A raw connection to a database file: a server's (plain) or a data folder's (encrypted).
pub fn open_file(db: &Path) -> rusqlite::Connection {
    match db.parent() {
        Some(dir)
            if dir.join(showroom_core::vault::VAULT_FILE).exists() && db.ends_with(showroom_core::paths::DB_FILE) =>
        {
            open_db(dir)
        }
        _ => rusqlite::Connection::open(db).expect("open the database"),
    }
}

/// A raw connection to a data folder's (encrypted) database, for checking what was stored.
pub fn open_db(data_dir: &Path) -> rusqlite::Connection {
    let vault = showroom_core::vault::open(data_dir, &unlock()).expect("the test data folder's key");
    let conn = rusqlite::Connection::open(data_dir.join(showroom_core::paths::DB_FILE)).expect("open the database");
    vault.key.apply(&conn).expect("apply the key");
    conn
}

/// The target directory's profile folder (…/target/debug) that holds the binaries under test.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // …/target/debug/deps/<test>-<hash>
    exe.parent().and_then(Path::parent).expect("target profile dir").to_path_buf()
}

/// A workspace binary; fails with the command that builds it when it is missing.
pub fn binary(name: &str) -> PathBuf {
    let p = bin_dir().join(name);
    assert!(
        p.exists(),
        "{} is missing: build it first with `cargo build --workspace --bins` (the test script does)",
        p.display()
    );
    p
}

/// A TCP port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// Two different TCP ports that were free a moment ago (held together while picked: two calls to
/// [`free_port`] can return the same port).
pub fn two_free_ports() -> (u16, u16) {
    let a = TcpListener::bind("127.0.0.1:0").expect("free port");
    let b = TcpListener::bind("127.0.0.1:0").expect("free port");
    let port = |l: &TcpListener| l.local_addr().map(|a| a.port()).expect("free port");
    (port(&a), port(&b))
}

/// A child process killed when dropped, with its whole process group when it leads one (so that
/// tauri-driver's WebKitWebDriver does not outlive the test).
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        // Ask politely first (Xvfb removes its lock file on SIGTERM), then insist.
        let pid = self.0.id().to_string();
        for target in [format!("-{pid}"), pid.clone()] {
            let _ = Command::new("kill").args(["-TERM", "--", &target]).stderr(Stdio::null()).status();
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).stderr(Stdio::null()).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Parent of every process, from /proc.
fn parents() -> std::collections::HashMap<u32, u32> {
    let mut out = std::collections::HashMap::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else { continue };
        // "pid (comm) state ppid …": comm may hold spaces, so read after the last ')'.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else { continue };
        if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            out.insert(pid, ppid);
        }
    }
    out
}

/// `root` and every process below it.
pub fn process_tree(root: u32) -> Vec<u32> {
    let parents = parents();
    let mut all = vec![root];
    let mut i = 0;
    while i < all.len() {
        let p = all[i];
        all.extend(parents.iter().filter(|(_, pp)| **pp == p).map(|(c, _)| *c));
        i += 1;
    }
    all
}

/// Whether X display `n` is taken by a running server (a lock left by a dead one is cleared).
fn display_taken(n: u32) -> bool {
    let lock = format!("/tmp/.X{n}-lock");
    let Ok(text) = std::fs::read_to_string(&lock) else {
        return Path::new(&format!("/tmp/.X11-unix/X{n}")).exists();
    };
    let alive = text.trim().parse::<u32>().is_ok_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
    if !alive {
        let _ = std::fs::remove_file(&lock);
        let _ = std::fs::remove_file(format!("/tmp/.X11-unix/X{n}"));
    }
    alive
}

/// A program on PATH or in ~/.cargo/bin.
pub fn tool(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// An X display for the window: the current one, or a private Xvfb at 1280x800.
pub struct Display {
    pub name: String,
    _xvfb: Option<Guard>,
}

pub fn display() -> Display {
    if let Ok(d) = std::env::var("DISPLAY")
        && !d.is_empty()
    {
        return Display { name: d, _xvfb: None };
    }
    let xvfb = tool("Xvfb").expect("Xvfb is not installed (apt-get install xvfb)");
    for n in 90..140 {
        if display_taken(n) {
            continue;
        }
        let name = format!(":{n}");
        let child = Command::new(&xvfb)
            .args([name.as_str(), "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb");
        let guard = Guard(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                return Display { name, _xvfb: Some(guard) };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("could not start Xvfb on any display :90-:139");
}

/// Waits until something accepts connections on `port`.
pub fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// What a process drawing the app's window (or starting one) needs: the X display, Mesa's
/// software rendering under Xvfb, and `true` instead of the system viewer for a printed quote, so
/// nothing pops up. WebKit's own settings are not set here: the app sets them itself
/// (`cli::WEBKIT_ENV`), so the tests and benches run the window as it ships.
pub fn in_window<'a>(cmd: &'a mut Command, display: &str) -> &'a mut Command {
    cmd.env("DISPLAY", display).env("SHOWROOM_OPEN_WITH", "true").env("LIBGL_ALWAYS_SOFTWARE", "1")
}

/// tauri-driver on a free port, using the display given; killed on drop.
pub fn tauri_driver(display: &Display) -> (Guard, u16) {
    tauri_driver_with(display, true)
}

/// [`tauri_driver`] whose apps get no passphrase from the environment (and no keyring): they
/// ask for it in the window.
pub fn tauri_driver_asking(display: &Display) -> (Guard, u16) {
    tauri_driver_with(display, false)
}

fn tauri_driver_with(display: &Display, passphrase_from_env: bool) -> (Guard, u16) {
    let driver = tool("tauri-driver").expect("tauri-driver is not installed: cargo install tauri-driver --locked");
    let native = tool("WebKitWebDriver").expect("WebKitWebDriver is not installed (apt-get install webkit2gtk-driver)");
    let (port, native_port) = two_free_ports();
    let mut cmd = Command::new(driver);
    pin(&mut cmd);
    in_window(&mut cmd, &display.name);
    if !passphrase_from_env {
        cmd.env_remove("SHOWROOM_PASSPHRASE");
    }
    let child = cmd
        .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
        .arg("--native-driver")
        .arg(native)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("start tauri-driver");
    let guard = Guard(child);
    assert!(wait_for_port(port, Duration::from_secs(20)), "tauri-driver did not start listening on {port}");
    // tauri-driver listens at once but forwards to WebKitWebDriver, which it starts alongside: a
    // session request sent before that one listens is dropped without an answer (a cold first
    // launch on a busy machine loses that race).
    assert!(
        wait_for_port(native_port, Duration::from_secs(30)),
        "WebKitWebDriver did not start listening on {native_port}"
    );
    (guard, port)
}

/// Runs the `showroom` CLI with a data dir and returns (exit code, stdout, stderr).
pub fn showroom(data_dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = pin(&mut Command::new(binary("showroom")))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("DISPLAY")
        .output()
        .expect("run showroom");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Saves a PNG of the whole X display (the real pixels of the window) with ImageMagick's `import`.
pub fn screenshot(display: &Display, path: &Path) -> bool {
    Command::new("import")
        .args(["-display", &display.name, "-window", "root"])
        .arg(path)
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Every change a SQLite server logged, for `FROM log l, {LOGGED_SQLITE} f`: `f.value` is
/// `[index, field, value]`. An entry holds its fields, or names them in the state by row number
/// and the range of their `w` (a write whose every field won on arrival; its clock and author are
/// its `writes` row's, and the server gives such an entry its values back before one is
/// overwritten).
pub const LOGGED_SQLITE: &str = "json_each(COALESCE(l.fields, (
    SELECT json_group_array(json_array(sf.w % 256, n.name, json(sf.value)))
    FROM state_fields sf JOIN field_names n ON n.id = sf.fid
    WHERE sf.rid = l.rid AND sf.w BETWEEN l.w_from AND l.w_to)))";

/// A log entry's write id, for `FROM log l`: an entry by reference names it through its
/// `writes` row only.
pub const LOGGED_WRITE: &str = "COALESCE(l.change_id, (SELECT write_id FROM writes WHERE id = l.w_from / 256))";

/// [`LOGGED_SQLITE`] on PostgreSQL, for `FROM log l CROSS JOIN LATERAL {LOGGED_POSTGRES} f`.
pub const LOGGED_POSTGRES: &str = "json_array_elements(COALESCE(l.fields::json, (
    SELECT json_agg(json_build_array(sf.w % 256, n.name, sf.value::json))
    FROM state_fields sf JOIN field_names n ON n.id = sf.fid
    WHERE sf.rid = l.rid AND sf.w BETWEEN l.w_from AND l.w_to)))";

/// A real `showroom-sync` process on a loopback port, with its database in `dir`. Restarting keeps
/// the port, so clients keep their URL.
pub struct SyncServer {
    pub db: PathBuf,
    pub port: u16,
    extra: Vec<String>,
    /// Environment set after the pinned clock's (a test running the server at another instant).
    env: Vec<(String, String)>,
    guard: Option<Guard>,
}

impl SyncServer {
    /// Initialises a database with `dealership` and starts serving.
    pub fn start(dir: &Path, dealership: &str, extra: &[&str]) -> SyncServer {
        SyncServer::start_with_env(dir, dealership, extra, &[])
    }

    /// [`SyncServer::start`] with extra environment for the serving process (set after the
    /// pinned clock's, so `SHOWROOM_NOW` may move it).
    pub fn start_with_env(dir: &Path, dealership: &str, extra: &[&str], env: &[(&str, &str)]) -> SyncServer {
        SyncServer::init_and_serve(dir.join("sync.sqlite3"), dealership, extra, env)
    }

    /// Initialises `db` (a SQLite file or an empty `postgres://` database) with `dealership` and
    /// serves it on a free port.
    pub fn start_at(db: impl Into<PathBuf>, dealership: &str, extra: &[&str]) -> SyncServer {
        SyncServer::init_and_serve(db.into(), dealership, extra, &[])
    }

    fn init_and_serve(db: PathBuf, dealership: &str, extra: &[&str], env: &[(&str, &str)]) -> SyncServer {
        let mut s = SyncServer {
            db,
            port: free_port(),
            extra: extra.iter().map(|s| s.to_string()).collect(),
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            guard: None,
        };
        s.admin(&["init", "--dealership", dealership], None);
        s.restart();
        s
    }

    /// Serves an existing database (a SQLite file or a `postgres://` URL, which several
    /// processes may share) on `port` (0: a free one), without initialising it.
    pub fn serve_on(db: impl Into<PathBuf>, port: u16, extra: &[&str]) -> SyncServer {
        let mut s = SyncServer {
            db: db.into(),
            port: if port == 0 { free_port() } else { port },
            extra: extra.iter().map(|s| s.to_string()).collect(),
            env: Vec::new(),
            guard: None,
        };
        s.restart();
        s
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Runs an admin command against the database; returns stdout, panics with stderr on failure.
    pub fn admin(&self, args: &[&str], password: Option<&str>) -> String {
        let mut cmd = Command::new(binary("showroom-sync"));
        pin(&mut cmd).arg("--db").arg(&self.db).args(args).stdin(Stdio::null());
        cmd.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        if let Some(p) = password {
            cmd.env("SHOWROOM_SYNC_PASSWORD", p);
        }
        let out = cmd.output().expect("run showroom-sync");
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "showroom-sync {args:?} failed: {}{stdout}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// Adds a user and returns their id (from the admin command's output).
    pub fn add_user(&self, login: &str, name: &str, role: &str, dealership: Option<&str>, password: &str) -> String {
        let mut args = vec!["user", "add", "--login", login, "--name", name, "--role", role];
        if let Some(d) = dealership {
            args.extend(["--dealership", d]);
        }
        let out = self.admin(&args, Some(password));
        out.trim().rsplit('(').next().and_then(|s| s.strip_suffix(')')).expect("user id in output").to_string()
    }

    /// (Re)starts the process on the same port and waits until it answers.
    pub fn restart(&mut self) {
        self.guard = None;
        let child = pin(&mut Command::new(binary("showroom-sync")))
            .arg("--db")
            .arg(&self.db)
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .args(&self.extra)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .process_group(0)
            .spawn()
            .expect("spawn showroom-sync");
        self.guard = Some(Guard(child));
        assert!(wait_for_port(self.port, Duration::from_secs(20)), "showroom-sync did not start on {}", self.port);
    }

    /// The server process's id while it runs (for reading its memory from /proc).
    pub fn pid(&self) -> Option<u32> {
        self.guard.as_ref().map(|g| g.0.id())
    }

    /// SIGKILL: no graceful anything.
    pub fn kill9(&mut self) {
        if let Some(mut g) = self.guard.take() {
            let _ = Command::new("kill").args(["-KILL", &g.0.id().to_string()]).status();
            let _ = g.0.wait();
            std::mem::forget(g);
        }
    }
}

/// A private session bus with an unlocked gnome-keyring on it; both stop when dropped.
pub struct Keyring {
    bus: String,
    home: tempfile::TempDir,
    children: Vec<Child>,
}

impl Keyring {
    pub fn start() -> Keyring {
        let home = tempfile::tempdir().expect("keyring session");
        let run = home.path().join("run");
        std::fs::create_dir_all(&run).expect("keyring session");
        std::fs::set_permissions(&run, std::os::unix::fs::PermissionsExt::from_mode(0o700)).expect("keyring session");
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (Debian's dbus; scripts/setup --test installs it)");
        let mut address = String::new();
        BufReader::new(bus.stdout.take().expect("keyring session")).read_line(&mut address).expect("keyring session");
        let address = address.trim().to_string();
        assert!(address.starts_with("unix:"), "dbus-daemon printed {address:?}");
        let mut daemon = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_RUNTIME_DIR", &run)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon (Debian's gnome-keyring; scripts/setup --test installs it)");
        // The login keyring's password on standard input, then end of input.
        daemon.stdin.take().expect("keyring session").write_all(b"keyring login password").expect("keyring session");
        let k = Keyring { bus: address, home, children: vec![daemon, bus] };
        // Ready once the Secret Service name is owned on the bus.
        let start = Instant::now();
        loop {
            let out = Command::new("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/",
                    "org.freedesktop.DBus.ListNames",
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", &k.bus)
                .output()
                .expect("keyring session");
            if String::from_utf8_lossy(&out.stdout).contains("org.freedesktop.secrets") {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "gnome-keyring never appeared on the bus");
            std::thread::sleep(Duration::from_millis(50));
        }
        k
    }

    /// Points `cmd` at this keyring (and takes away the passphrase and the tests' keyring-off
    /// switch), as a command run in the rep's desktop session.
    pub fn apply<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.env_remove("SHOWROOM_KEYRING")
            .env_remove("SHOWROOM_PASSPHRASE")
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .env("HOME", self.home.path())
            .env("XDG_RUNTIME_DIR", self.home.path().join("run"))
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
