//! The `linkwise` binary: hands its arguments to [`linkwise_cli::run_with`] and exits with its status.

use std::io::IsTerminal;

fn main() {
    let stdout = std::io::stdout();
    // Asked of the real descriptor here: `run_with` only sees a `Write`, which cannot say (see `Streams`).
    let stdout_is_terminal = stdout.is_terminal();
    let stderr_is_terminal = std::io::stderr().is_terminal();
    let status = linkwise_cli::run_with(
        std::env::args_os(),
        linkwise_cli::Streams {
            stdout: &mut stdout.lock(),
            stdout_is_terminal,
            stderr: &mut std::io::stderr(),
            stderr_is_terminal,
        },
    );
    std::process::exit(status);
}
