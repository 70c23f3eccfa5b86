//! `showroom-app`: the desktop window (Tauri). `showroom` with no subcommand starts it; given a
//! subcommand it runs the same headless CLI, so either binary answers every command.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod cli;
mod commands;
mod desktop;
#[cfg(target_os = "linux")]
mod webkit_memory;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let _ = desktop::STARTED.set(std::time::Instant::now());
    let mut args = cli::Args::parse();
    let data_dir = match cli::start(&args) {
        Ok(dir) => dir,
        Err(code) => return code,
    };
    cli::exit(match args.command.take() {
        None => desktop::with_webkit_env().and_then(|()| desktop::run(&data_dir)),
        Some(cmd) => cli::run(cmd, &data_dir),
    })
}
