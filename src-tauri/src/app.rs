//! `showroom-app`: the desktop window (Tauri). `showroom` with no subcommand starts it; given a
//! subcommand it runs the same headless CLI, so either binary answers every command.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod cli;
mod commands;
mod desktop;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let _ = desktop::STARTED.set(std::time::Instant::now());
    let args = cli::Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "showroom=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let data_dir = match showroom_core::paths::resolve_data_dir(args.data_dir.as_deref(), None) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match args.command {
        None => desktop::run(&data_dir),
        Some(cmd) => cli::run(cmd, &data_dir),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
