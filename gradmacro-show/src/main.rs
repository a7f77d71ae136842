//! `cargo run -p gradmacro-show -- path/to/file.rs [fn_name]`: prints the expansion of every
//! `#[differentiate]` function of an ordinary Rust source file (free functions and methods, in
//! nested modules too), or of the one named `fn_name`, pretty-printed.
//!
//! It runs the macro's own engine (its source compiled into this binary, as the macro's tests
//! do), so what it prints is exactly what the compiler receives.

use std::process::ExitCode;

use gradmacro_show::{Error, show};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (path, name) = match args.as_slice() {
        [path] => (path, None),
        [path, name] => (path, Some(name.as_str())),
        _ => {
            eprintln!("usage: gradmacro-show path/to/file.rs [fn_name]");
            return ExitCode::from(2);
        }
    };
    let src = match std::fs::read_to_string(path) {
        Ok(src) => src,
        Err(e) => {
            eprintln!("error: cannot read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match show(&src, name) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(Error::Parse { line, column, message }) => {
            eprintln!("error: {path}:{line}:{column}: not a Rust source file syn can parse: {message}");
            ExitCode::FAILURE
        }
        Err(Error::NotFound(None)) => {
            eprintln!("error: {path} has no #[differentiate] function");
            ExitCode::FAILURE
        }
        Err(Error::NotFound(Some(name))) => {
            eprintln!("error: {path} has no #[differentiate] function named `{name}`");
            ExitCode::FAILURE
        }
    }
}
