//! The `heron` binary; see the `heron_cli` library.
fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(heron_cli::main_with(std::env::args().collect()))
}
