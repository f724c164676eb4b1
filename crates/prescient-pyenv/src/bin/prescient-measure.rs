//! A stand-alone measuring launcher (see `prescient_pyenv::run`): what the
//! `prescient` binary does in its own launcher mode, for tools and tests that
//! run measured children from a process of their own.

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let args = match args.first() {
        Some(a) if a == prescient_pyenv::run::LAUNCHER_ARG => &args[1..],
        _ => &args[..],
    };
    std::process::exit(prescient_pyenv::run::launcher_main(args));
}
