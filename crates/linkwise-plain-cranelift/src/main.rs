//! `plain-cranelift-object FUNCTIONS OUTPUT [CALLS]`: writes the object [`linkwise_plain_cranelift::build`]
//! makes, FUNCTIONS functions of CALLS calls (default 10), to OUTPUT.

use linkwise_plain_cranelift::build;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: plain-cranelift-object FUNCTIONS OUTPUT [CALLS]";
    let (Some(functions), Some(output)) = (args.get(1), args.get(2)) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let number = |s: &str| s.parse::<u32>().map_err(|e| format!("`{s}` is not a count: {e}\n{usage}"));
    let counts = number(functions).and_then(|f| Ok((f, args.get(3).map_or(Ok(10), |c| number(c))?)));
    let result = counts.and_then(|(functions, calls)| {
        let bytes = build(functions, calls)?;
        std::fs::write(output, bytes).map_err(|e| format!("cannot write `{output}`: {e}"))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("plain-cranelift-object: {e}");
            ExitCode::FAILURE
        }
    }
}
