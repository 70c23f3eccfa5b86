//! `showroom`: the headless CLI, and the way into the desktop app. With a subcommand it runs that
//! command against the database and exits; with none it becomes `showroom-app` (the window), which
//! sits next to it. This binary links no desktop toolkit (WebKit, GTK), so a command starts in a
//! few milliseconds instead of paying for loading ~170 libraries first.

mod cli;

use clap::Parser;
use std::process::ExitCode;

/// A headless command allocates a small value per field of every row it imports or syncs;
/// mimalloc serves those faster than the system allocator (whose malloc/free took ~15% of an
/// import).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// SQLite allocates from mimalloc too (see `showroom_core::store::memory`).
const MIMALLOC: showroom_core::store::memory::Allocator = showroom_core::store::memory::Allocator {
    malloc: libmimalloc_sys::mi_malloc,
    free: libmimalloc_sys::mi_free,
    realloc: libmimalloc_sys::mi_realloc,
    usable_size: libmimalloc_sys::mi_usable_size,
};

fn main() -> ExitCode {
    showroom_core::store::memory::use_allocator(MIMALLOC);
    let mut args = cli::Args::parse();
    let Some(command) = args.command.take() else { return open_window() };
    let data_dir = match cli::start(&args) {
        Ok(dir) => dir,
        Err(code) => return code,
    };
    cli::exit(cli::run(command, &data_dir))
}

/// Becomes the desktop app with the same arguments and environment (the same process, so whoever
/// started `showroom` — a desktop launcher, tauri-driver — is talking to the window).
fn open_window() -> ExitCode {
    let app = std::env::current_exe()
        .ok()
        .and_then(|me| me.parent().map(|dir| dir.join(format!("showroom-app{}", std::env::consts::EXE_SUFFIX))));
    let Some(app) = app else {
        eprintln!("error: cannot tell where this program is installed");
        return ExitCode::FAILURE;
    };
    let mut cmd = std::process::Command::new(&app);
    cmd.args(std::env::args_os().skip(1)).envs(cli::webkit_env_missing());
    #[cfg(unix)]
    let err = {
        use std::os::unix::process::CommandExt;
        cmd.exec()
    };
    #[cfg(not(unix))]
    let err = match cmd.status() {
        Ok(status) => return ExitCode::from(status.code().unwrap_or(1).clamp(0, 255) as u8),
        Err(e) => e,
    };
    eprintln!("error: cannot start the desktop app {}: {err}", app.display());
    ExitCode::FAILURE
}
