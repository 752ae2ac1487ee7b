//! `linkwise-difftest`: the differential runner's command line (docs/difftest.md, "Running it").

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use linkwise_difftest::target::{self, Target};

/// Random linkwise programs, compiled and run on every target here, compared with the reference interpreter.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The first program's seed (program i has seed SEED + i).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How many programs to generate and run.
    #[arg(long, default_value_t = 200)]
    programs: usize,
    /// Programs per batch (one program start runs a whole batch).
    #[arg(long, default_value_t = 50)]
    batch: usize,
    /// The targets, comma-separated: windows-x64, linux-x64, linux-arm64.
    #[arg(long, value_delimiter = ',', default_value = "windows-x64,linux-x64,linux-arm64")]
    targets: Vec<String>,
    /// Split the programs whose seed is a multiple of N into a shared library and a program (0: never).
    #[arg(long, default_value_t = 4)]
    split_every: u64,
    /// Report failing programs as generated, without shrinking them.
    #[arg(long)]
    no_shrink: bool,
    /// Print the programs (items, and the split form of those that are split) instead of running them.
    #[arg(long)]
    print: bool,
    /// The work directory (default: a new directory under the system's temporary directory, removed at
    /// the end unless a program failed).
    #[arg(long)]
    work: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut targets = Vec::new();
    for word in &args.targets {
        match Target::parse(word) {
            // Each target once: two workers for one target would share its directory.
            Some(t) if targets.contains(&t) => {}
            Some(t) => targets.push(t),
            None => {
                let known: Vec<&str> = target::ALL.iter().map(|t| t.name()).collect();
                eprintln!("error: unknown target `{word}`, expected one of: {}", known.join(", "));
                return ExitCode::from(2);
            }
        }
    }
    if args.print {
        for i in 0..args.programs {
            let seed = args.seed.wrapping_add(i as u64);
            let split = args.split_every != 0 && seed.is_multiple_of(args.split_every);
            let entry = linkwise_difftest::batch::Entry::new(seed, i, &Default::default(), split, "lwbatch0");
            println!("// ---- seed {seed}\n{}", entry.program.items());
            if let Some(s) = &entry.split {
                println!(
                    "// ---- seed {seed}, split: library\n{}// ---- seed {seed}, split: program\n{}",
                    s.lib_items, s.main_items
                );
            }
        }
        return ExitCode::SUCCESS;
    }
    let temporary = args.work.is_none();
    let work = args.work.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("linkwise-difftest-{}-{}", std::process::id(), args.seed))
    });
    let config = linkwise_difftest::Config {
        seed: args.seed,
        programs: args.programs,
        batch: args.batch,
        targets,
        split_every: args.split_every,
        generator: Default::default(),
        shrink: !args.no_shrink,
        work: work.clone(),
        library_source: linkwise_difftest::libs::SOURCE.to_owned(),
    };
    let report = match linkwise_difftest::run(&config, &mut std::io::stderr()) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    println!(
        "{} programs from seed {}, {} lines expected",
        report.programs, args.seed, report.expected_lines
    );
    for (target, summary) in &report.targets {
        println!(
            "  {:<12} {:>6} programs ({} split), {:>8} lines compared, {:>7.1} s",
            target.name(),
            summary.programs,
            summary.split,
            summary.lines,
            summary.seconds
        );
    }
    for failure in &report.failures {
        let on = failure.target.map_or("generator/interpreter", |t| t.name());
        println!("\nFAILED on {on}: seed {} (split: {}): {}", failure.seed, failure.split, failure.what);
        println!(
            "reproduce: linkwise-difftest --seed {} --programs 1 --split-every {}",
            failure.seed, args.split_every
        );
        println!("{}", failure.program);
    }
    if report.failures.is_empty() {
        println!("no mismatch");
        if temporary {
            let _ = std::fs::remove_dir_all(&work);
        }
        ExitCode::SUCCESS
    } else {
        println!("{} failures; work directory kept: {}", report.failures.len(), work.display());
        ExitCode::FAILURE
    }
}
