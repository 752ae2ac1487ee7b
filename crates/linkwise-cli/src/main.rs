//! The `linkwise` binary: hands its arguments to [`linkwise_cli::run`] and exits with its status.

fn main() {
    let status = linkwise_cli::run(std::env::args_os(), &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(status);
}
