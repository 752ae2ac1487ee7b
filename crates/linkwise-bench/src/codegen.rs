//! `linkwise bench codegen` (issue 10, item 2): code generation side by side. For each module size it writes
//! the same work three ways (a linkwise `.lw` module, an LLVM IR `.ll` file, and the arguments of the
//! `plain-cranelift-object` program of crates/linkwise-plain-cranelift), runs every producer as a child
//! process (linkwise `-j1` and `-jN`, `llc -O0`, `llc -O2`, plain cranelift-object), paired: each repetition
//! runs every producer once, in an order that rotates from one repetition to the next, so that a slow
//! moment of the shared machine falls on all of them. Per run it records wall time, CPU time and peak RSS
//! (the child's own `wait4` usage); per producer it reads the object: its size, its `.text` size and the
//! bytes each call site spends reaching its callee. docs/bench.md, "Code generation, side by side", has the
//! method and a full run.
//!
//! The work: `functions` functions `funI(x: i32) -> i32`, each making `calls` chained calls alternating
//! `imported(i32) -> i32`, a DLL import, and `linked(i32) -> i32`, a static-library import; x86_64 COFF.

use crate::process::{Usage, run_measured};
use crate::stats::Summary;
use object::{Object, ObjectSection, ObjectSymbol};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The target every producer compiles for.
pub const TRIPLE: &str = "x86_64-pc-windows-msvc";
/// The import slot of the DLL import, the symbol a dllimport call site reaches its callee through.
pub const DLLIMPORT_SLOT: &str = "__imp_imported";
/// The static import, called directly.
pub const STATIC_CALLEE: &str = "linked";

/// What to measure.
#[derive(Clone, Debug)]
pub struct Config {
    /// Module sizes in functions (`--functions`).
    pub functions: Vec<u32>,
    /// Calls per function (`--calls`).
    pub calls: u32,
    /// Timed repetitions (`--reps`), after one untimed warm-up run of every producer.
    pub reps: u32,
    /// Where the inputs, the objects and `codegen.md` go (`--out`).
    pub out: PathBuf,
    /// The linkwise executable to run.
    pub linkwise: PathBuf,
    /// The `plain-cranelift-object` executable to run.
    pub plain_cranelift: PathBuf,
    /// The thread count of the parallel linkwise run (`-jN`).
    pub jobs: usize,
    /// The largest module `linkwise build` reads (the CLI's `MAX_BUILD_INPUT_BYTES`): a larger one is
    /// reported as refused instead of being run.
    pub input_cap: Option<u64>,
    /// Each run's deadline; at it the run's process group is killed and the benchmark fails.
    pub timeout: Duration,
}

/// Who produced an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Producer {
    /// linkwise on one thread.
    LinkwiseSerial,
    /// linkwise on [`Config::jobs`] threads.
    LinkwiseParallel,
    /// LLVM's `llc -O0`.
    LlcO0,
    /// LLVM's `llc -O2`.
    LlcO2,
    /// The plain cranelift-object program.
    PlainCranelift,
}

/// Every producer, in table order.
pub const PRODUCERS: [Producer; 5] = [
    Producer::LinkwiseSerial,
    Producer::LinkwiseParallel,
    Producer::LlcO0,
    Producer::LlcO2,
    Producer::PlainCranelift,
];

impl Producer {
    /// The name in tables (`jobs`: the parallel run's thread count).
    pub fn name(self, jobs: usize) -> String {
        match self {
            Producer::LinkwiseSerial => "linkwise -j1".to_owned(),
            Producer::LinkwiseParallel => format!("linkwise -j{jobs}"),
            Producer::LlcO0 => "llc -O0".to_owned(),
            Producer::LlcO2 => "llc -O2".to_owned(),
            Producer::PlainCranelift => "plain cranelift-object".to_owned(),
        }
    }

    /// The object's file name.
    pub fn object_name(self) -> &'static str {
        match self {
            Producer::LinkwiseSerial => "linkwise-j1.obj",
            Producer::LinkwiseParallel => "linkwise-jN.obj",
            Producer::LlcO0 => "llc-O0.obj",
            Producer::LlcO2 => "llc-O2.obj",
            Producer::PlainCranelift => "plain-cranelift.obj",
        }
    }

    fn is_linkwise(self) -> bool {
        matches!(self, Producer::LinkwiseSerial | Producer::LinkwiseParallel)
    }
}

/// The average length of one kind of call site.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SiteAverage {
    /// How many sites.
    pub count: usize,
    /// Their bytes, in total.
    pub bytes: u64,
}

impl SiteAverage {
    /// Bytes per site (NaN without a site).
    pub fn average(&self) -> f64 {
        if self.count == 0 { f64::NAN } else { self.bytes as f64 / self.count as f64 }
    }
}

/// What an object holds, read back with the `object` crate.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectFacts {
    /// The file's size in bytes.
    pub size: u64,
    /// The size of its `.text` sections.
    pub text: u64,
    /// The sites calling through [`DLLIMPORT_SLOT`].
    pub dllimport: SiteAverage,
    /// The sites calling [`STATIC_CALLEE`].
    pub static_site: SiteAverage,
}

/// One producer's result at one size.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// It ran: one [`Usage`] per timed repetition, and what its object holds.
    Measured {
        /// The timed runs, in the order they ran.
        runs: Vec<Usage>,
        /// Wall seconds.
        wall: Summary,
        /// CPU seconds.
        cpu: Summary,
        /// Peak RSS, bytes.
        rss: Summary,
        /// The object.
        facts: ObjectFacts,
    },
    /// Not run, and why (linkwise's input cap).
    Refused(String),
}

/// One table row.
#[derive(Clone, Debug)]
pub struct Row {
    /// The module's size.
    pub functions: u32,
    /// Who.
    pub producer: Producer,
    /// What came of it.
    pub outcome: Outcome,
}

/// Everything one run measured.
#[derive(Clone, Debug)]
pub struct Report {
    /// What was asked.
    pub config: Config,
    /// The processor and core count.
    pub machine: String,
    /// The load average when the benchmark started (`/proc/loadavg`), since the machine is shared.
    pub load: String,
    /// The llc used.
    pub llc: PathBuf,
    /// The input sizes: (functions, `.lw` bytes, `.ll` bytes).
    pub inputs: Vec<(u32, u64, u64)>,
    /// One row per size and producer, in that order.
    pub rows: Vec<Row>,
}

impl Report {
    /// The row of `producer` at `functions`.
    pub fn row(&self, functions: u32, producer: Producer) -> Option<&Row> {
        self.rows.iter().find(|r| r.functions == functions && r.producer == producer)
    }

    /// The median of `metric` for `producer` at `functions`, if it ran.
    fn median(&self, functions: u32, producer: Producer, metric: Metric) -> Option<f64> {
        match &self.row(functions, producer)?.outcome {
            Outcome::Measured { wall, cpu, rss, .. } => Some(match metric {
                Metric::Wall => wall.median,
                Metric::Cpu => cpu.median,
                Metric::Rss => rss.median,
            }),
            Outcome::Refused(_) => None,
        }
    }
}

#[derive(Clone, Copy)]
enum Metric {
    Wall,
    Cpu,
    Rss,
}

/// The linkwise module: `functions` functions of `calls` calls alternating a dylib and a static import (the
/// shape of benches/phases.rs).
pub fn lw_module(functions: u32, calls: u32) -> String {
    let mut src = String::from(
        "#[link(name = \"dll\")]\nextern { fn imported(i32) -> i32; }\n\
         #[link(name = \"lib\", kind = \"static\")]\nextern { fn linked(i32) -> i32; }\n",
    );
    for i in 0..functions {
        let _ = write!(src, "pub fn fun{i}(x: i32) -> i32 {{ let mut t = x;");
        for call in 0..calls {
            let _ = write!(src, " t = {}(t);", callee(call));
        }
        let _ = writeln!(src, " return t; }}");
    }
    src
}

/// The same module in LLVM IR: `imported` is declared `dllimport`, so llc calls it through `__imp_imported`.
pub fn ll_module(functions: u32, calls: u32) -> String {
    let mut src = format!(
        "target triple = \"{TRIPLE}\"\n\ndeclare dllimport i32 @imported(i32)\ndeclare i32 @linked(i32)\n"
    );
    for i in 0..functions {
        let _ = writeln!(src, "\ndefine dso_local i32 @fun{i}(i32 %x) {{");
        let mut t = "%x".to_owned();
        for call in 0..calls {
            let _ = writeln!(src, "  %t{call} = call i32 @{}(i32 {t})", callee(call));
            t = format!("%t{call}");
        }
        let _ = writeln!(src, "  ret i32 {t}\n}}");
    }
    src
}

/// Call `call` of a function: even calls go to the DLL import, odd ones to the static one.
fn callee(call: u32) -> &'static str {
    if call.is_multiple_of(2) { "imported" } else { "linked" }
}

/// Finds llc 19: LLVM's own directory on Debian, then `llc-19` and `llc` on PATH.
pub fn find_llc() -> Option<PathBuf> {
    let llvm = Path::new("/usr/lib/llvm-19/bin/llc");
    if llvm.is_file() {
        return Some(llvm.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    ["llc-19", "llc"]
        .iter()
        .find_map(|n| std::env::split_paths(&path).map(|d| d.join(n)).find(|p| p.is_file()))
}

/// Runs the benchmark, writes `codegen.md` into `config.out`, progress lines to `progress`.
pub fn run_codegen(config: &Config, progress: &mut dyn std::io::Write) -> Result<Report, String> {
    if config.functions.is_empty() || config.functions.contains(&0) {
        return Err("`--functions` needs at least one size, each at least 1".to_owned());
    }
    if config.reps == 0 || config.calls == 0 || config.jobs == 0 {
        return Err("`--reps`, `--calls` and `--jobs` must be at least 1".to_owned());
    }
    let llc = find_llc().ok_or("cannot find `llc-19` or `llc` (Debian: `apt-get install llvm-19`)")?;
    for (what, path) in [("linkwise", &config.linkwise), ("plain-cranelift-object", &config.plain_cranelift)]
    {
        if !path.is_file() {
            return Err(format!(
                "cannot find {what} at `{}`: build it with `cargo build --release -p linkwise-cli -p \
                 linkwise-plain-cranelift` (scripts/codegen-bench does)",
                path.display()
            ));
        }
    }
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned());
    let mut rows = Vec::new();
    let mut inputs = Vec::new();
    for &functions in &config.functions {
        let dir = config.out.join("work").join(functions.to_string());
        create_dir(&dir)?;
        let lw = dir.join("module.lw");
        let ll = dir.join("module.ll");
        let lw_text = lw_module(functions, config.calls);
        write_file(&lw, lw_text.as_bytes())?;
        let ll_len = {
            let text = ll_module(functions, config.calls);
            write_file(&ll, text.as_bytes())?;
            text.len() as u64
        };
        inputs.push((functions, lw_text.len() as u64, ll_len));
        let refused = config.input_cap.filter(|&cap| lw_text.len() as u64 > cap).map(|cap| {
            format!("refused: over the input cap ({} MiB; the module is {} bytes)", cap >> 20, lw_text.len())
        });
        drop(lw_text);
        let command = |p: Producer| -> Command {
            let object = dir.join(p.object_name());
            match p {
                Producer::LinkwiseSerial | Producer::LinkwiseParallel => {
                    let jobs = if p == Producer::LinkwiseSerial { 1 } else { config.jobs };
                    let mut c = Command::new(&config.linkwise);
                    c.arg("build")
                        .arg(&lw)
                        .args(["--target", TRIPLE, "-j", &jobs.to_string(), "-o"])
                        .arg(&object);
                    c
                }
                Producer::LlcO0 | Producer::LlcO2 => {
                    let opt = if p == Producer::LlcO0 { "-O0" } else { "-O2" };
                    let mut c = Command::new(&llc);
                    c.args([opt, "-filetype=obj"]).arg(&ll).arg("-o").arg(&object);
                    c
                }
                Producer::PlainCranelift => {
                    let mut c = Command::new(&config.plain_cranelift);
                    c.arg(functions.to_string()).arg(&object).arg(config.calls.to_string());
                    c
                }
            }
        };
        let active: Vec<Producer> =
            PRODUCERS.iter().copied().filter(|p| !(p.is_linkwise() && refused.is_some())).collect();
        let mut runs: Vec<Vec<Usage>> = vec![Vec::new(); active.len()];
        // Repetition 0 is the warm-up (page cache, the dynamic loader), not recorded.
        for rep in 0..=config.reps {
            for k in 0..active.len() {
                let i = (k + rep as usize) % active.len();
                let p = active[i];
                let _ = writeln!(
                    progress,
                    "{functions} functions, {}: {}",
                    if rep == 0 { "warm-up".to_owned() } else { format!("repetition {rep}") },
                    p.name(config.jobs)
                );
                let (_, usage) = run_measured(&mut command(p), config.timeout, &dir)?;
                if rep > 0 {
                    runs[i].push(usage);
                }
            }
        }
        for p in PRODUCERS {
            let outcome = match active.iter().position(|&a| a == p) {
                None => Outcome::Refused(refused.clone().unwrap_or_default()),
                Some(i) => {
                    let runs = std::mem::take(&mut runs[i]);
                    let summary = |f: fn(&Usage) -> f64| {
                        Summary::of(&runs.iter().map(f).collect::<Vec<_>>()).ok_or("no repetition ran")
                    };
                    let path = dir.join(p.object_name());
                    let bytes =
                        std::fs::read(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
                    let facts = object_facts(&bytes).map_err(|e| format!("`{}`: {e}", path.display()))?;
                    Outcome::Measured {
                        wall: summary(|u| u.wall)?,
                        cpu: summary(|u| u.cpu)?,
                        rss: summary(|u| u.peak_rss as f64)?,
                        runs,
                        facts,
                    }
                }
            };
            rows.push(Row { functions, producer: p, outcome });
        }
    }
    let report = Report { config: config.clone(), machine: crate::machine(), load, llc, inputs, rows };
    write_file(&config.out.join("codegen.md"), markdown(&report).as_bytes())?;
    Ok(report)
}

/// Reads an object's size, `.text` size and call sites.
pub fn object_facts(bytes: &[u8]) -> Result<ObjectFacts, String> {
    let file = object::File::parse(bytes).map_err(|e| format!("not an object file: {e}"))?;
    let mut facts = ObjectFacts {
        size: bytes.len() as u64,
        text: 0,
        dllimport: SiteAverage::default(),
        static_site: SiteAverage::default(),
    };
    for section in file.sections() {
        let name = section.name().unwrap_or("");
        if name != ".text" && !name.starts_with(".text$") {
            continue;
        }
        let code = section.data().map_err(|e| format!("cannot read `{name}`: {e}"))?;
        facts.text += code.len() as u64;
        let relocations: Vec<(u64, String)> = section
            .relocations()
            .filter_map(|(offset, r)| match r.target() {
                object::RelocationTarget::Symbol(i) => {
                    file.symbol_by_index(i).ok().and_then(|s| s.name().ok()).map(|n| (offset, n.to_owned()))
                }
                _ => None,
            })
            .collect();
        let mut starts: Vec<u64> = file
            .symbols()
            .filter(|s| s.section_index() == Some(section.index()) && s.is_definition())
            .map(|s| s.address() - section.address())
            .collect();
        starts.sort_unstable();
        for site in call_sites(code, &relocations, &starts) {
            let average = match site.symbol.as_str() {
                DLLIMPORT_SLOT => &mut facts.dllimport,
                STATIC_CALLEE => &mut facts.static_site,
                _ => continue,
            };
            average.count += 1;
            average.bytes += u64::from(site.bytes);
        }
    }
    Ok(facts)
}

/// One call site: the symbol it reaches its callee through and the bytes it spends doing so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// The relocation's symbol in the call or in the instructions that set its target register.
    pub symbol: String,
    /// The call instruction plus the instructions that computed its target.
    pub bytes: u32,
}

/// The call sites of x86_64 `code` (offset 0 is the section's start), with `relocations` (offset of the
/// patched field, symbol, in any order) and `starts`, the sorted function start offsets.
///
/// A site is the `call` plus, when it calls through a register, the instructions that set that register
/// (found walking back within the function: a `mov`/`lea` writing it, and for a load through another
/// register, that register's setter in turn). So `call rel32` is 5 bytes, `call [rip+X]` 6, `mov r,[rip+X];
/// call r` 9 and `movabs r,X; mov r,[r]; call r` 15. An instruction that several sites share (Cranelift
/// keeps `movabs r,__imp_X` in a register for the function's later calls) counts once, for the first site
/// that uses it, so the average is the bytes spent per site. A call whose target cannot be traced to a
/// relocation is left out.
pub fn call_sites(code: &[u8], relocations: &[(u64, String)], starts: &[u64]) -> Vec<Site> {
    use iced_x86::{Decoder, DecoderOptions, InstructionInfoFactory, Mnemonic, OpAccess, OpKind, Register};
    let mut info = InstructionInfoFactory::new();
    let instructions: Vec<iced_x86::Instruction> =
        Decoder::with_ip(64, code, 0, DecoderOptions::NONE).into_iter().collect();
    // Sorted by offset, so that each instruction's relocation is a binary search (a 100,000-function object
    // has a million of each).
    let mut sorted: Vec<&(u64, String)> = relocations.iter().collect();
    sorted.sort_by_key(|(o, _)| *o);
    let symbol_in = |i: &iced_x86::Instruction| {
        let first = sorted.partition_point(|(o, _)| *o < i.ip());
        sorted.get(first).filter(|(o, _)| *o < i.next_ip()).map(|(_, s)| s.clone())
    };
    let mut counted = vec![false; instructions.len()];
    let mut sites = Vec::new();
    for (at, call) in instructions.iter().enumerate() {
        if call.mnemonic() != Mnemonic::Call || call.op_count() != 1 {
            continue;
        }
        let mut bytes = call.len() as u32;
        let mut symbol = symbol_in(call);
        let mut needed: Vec<Register> = Vec::new();
        let need = |r: Register, needed: &mut Vec<Register>| {
            if r != Register::None && r != Register::RIP {
                needed.push(r.full_register());
            }
        };
        match call.op0_kind() {
            OpKind::Register => need(call.op0_register(), &mut needed),
            OpKind::Memory => {
                need(call.memory_base(), &mut needed);
                need(call.memory_index(), &mut needed);
            }
            _ => {}
        }
        let start = starts.partition_point(|&s| s <= call.ip()).checked_sub(1).map_or(0, |k| starts[k]);
        let mut traced = true;
        let mut j = at;
        while !needed.is_empty() && j > 0 {
            j -= 1;
            let i = &instructions[j];
            if i.ip() < start {
                break;
            }
            // Only an instruction that writes a needed register matters: an earlier `call r` through the
            // same register (llc -O2 keeps the import slot's value in a callee-saved register) reads it.
            let written: Vec<Register> = info
                .info(i)
                .used_registers()
                .iter()
                .filter(|u| {
                    matches!(
                        u.access(),
                        OpAccess::Write | OpAccess::CondWrite | OpAccess::ReadWrite | OpAccess::ReadCondWrite
                    )
                })
                .map(|u| u.register().full_register())
                .collect();
            let Some(k) = needed.iter().position(|r| written.contains(r)) else { continue };
            let defines = i.op_count() >= 1
                && i.op0_kind() == OpKind::Register
                && i.op0_register().full_register() == needed[k]
                && matches!(i.mnemonic(), Mnemonic::Mov | Mnemonic::Lea);
            if !defines {
                traced = false;
                break;
            }
            needed.swap_remove(k);
            if !counted[j] {
                counted[j] = true;
                bytes += i.len() as u32;
            }
            if symbol.is_none() {
                symbol = symbol_in(i);
            }
            if i.op_count() == 2 && i.op1_kind() == OpKind::Memory {
                need(i.memory_base(), &mut needed);
                need(i.memory_index(), &mut needed);
            }
        }
        if let (true, true, Some(symbol)) = (traced, needed.is_empty(), symbol) {
            sites.push(Site { symbol, bytes });
        }
    }
    sites
}

/// A table: a header and rows of cells.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// How many leading columns are text (left-aligned in the terminal); the rest are numbers.
    left: usize,
}

impl Table {
    fn terminal(&self) -> String {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|c| {
                self.rows
                    .iter()
                    .filter(|r| r.len() == self.header.len())
                    .map(|r| r[c].chars().count())
                    .chain([self.header[c].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            let mut s = String::new();
            for (c, cell) in cells.iter().enumerate() {
                if cells.len() < widths.len() && c + 1 == cells.len() {
                    // A note spans the columns it stands for.
                    s.push_str("  ");
                    s.push_str(cell);
                    break;
                }
                let pad = widths[c] - cell.chars().count();
                if c < self.left {
                    if c > 0 {
                        s.push_str("  ");
                    }
                    s.push_str(cell);
                    s.push_str(&" ".repeat(pad));
                } else {
                    s.push_str("  ");
                    s.push_str(&" ".repeat(pad));
                    s.push_str(cell);
                }
            }
            s.trim_end().to_owned() + "\n"
        };
        let mut out = line(&self.header);
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }

    fn markdown(&self) -> String {
        let mut out = format!("| {} |\n|{}\n", self.header.join(" | "), " --- |".repeat(self.header.len()));
        for row in &self.rows {
            let padding = " |".repeat(self.header.len().saturating_sub(row.len()));
            let _ = writeln!(out, "| {} |{padding}", row.join(" | "));
        }
        out
    }
}

fn mib(bytes: f64) -> String {
    format!("{:.1}", bytes / f64::from(1 << 20))
}

fn bytes_cell(average: &SiteAverage) -> String {
    if average.count == 0 { "-".to_owned() } else { format!("{:.2}", average.average()) }
}

/// The main table: one row per size and producer.
fn results(report: &Report) -> Table {
    let header = [
        "functions",
        "producer",
        "wall s",
        "wall min-max",
        "CPU s",
        "peak RSS MiB",
        "object B",
        ".text B",
        "dllimport site B",
        "static site B",
    ];
    let mut rows = Vec::new();
    for row in &report.rows {
        let mut cells = vec![row.functions.to_string(), row.producer.name(report.config.jobs)];
        match &row.outcome {
            Outcome::Measured { wall, cpu, rss, facts, .. } => cells.extend([
                format!("{:.3}", wall.median),
                format!("{:.3}-{:.3}", wall.min, wall.max),
                format!("{:.3}", cpu.median),
                mib(rss.median),
                facts.size.to_string(),
                facts.text.to_string(),
                bytes_cell(&facts.dllimport),
                bytes_cell(&facts.static_site),
            ]),
            // A note row: fewer cells than the header, the note spanning the rest.
            Outcome::Refused(why) => cells.push(why.clone()),
        }
        rows.push(cells);
    }
    Table { header: header.map(str::to_owned).to_vec(), rows, left: 2 }
}

fn ratio_cell(value: Option<f64>, digits: usize) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.digits$}"))
}

/// What issue 10 asks of the ratios.
const TARGETS: &str = "linkwise's ratios; issue 10's targets: wall ≤ 0.25 × llc -O0's at 10k with all cores, CPU \
                       ≤ 1.0 × plain cranelift-object's on one core, peak RSS ≤ 30 MiB at 10k and ≤ 200 MiB at 100k";

/// The targets, as paired ratios per size.
fn ratios(report: &Report) -> Table {
    let jobs = report.config.jobs;
    let header = vec![
        "functions".to_owned(),
        format!("-j{jobs} wall ÷ llc -O0 wall"),
        "-j1 CPU ÷ plain cranelift CPU".to_owned(),
        "-j1 peak RSS MiB".to_owned(),
        format!("-j{jobs} peak RSS MiB"),
    ];
    let rows = report
        .config
        .functions
        .iter()
        .map(|&n| {
            let m = |p, metric| report.median(n, p, metric);
            let div = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a / b);
            vec![
                n.to_string(),
                ratio_cell(
                    div(m(Producer::LinkwiseParallel, Metric::Wall), m(Producer::LlcO0, Metric::Wall)),
                    3,
                ),
                ratio_cell(
                    div(m(Producer::LinkwiseSerial, Metric::Cpu), m(Producer::PlainCranelift, Metric::Cpu)),
                    3,
                ),
                m(Producer::LinkwiseSerial, Metric::Rss).map_or_else(|| "n/a".to_owned(), mib),
                m(Producer::LinkwiseParallel, Metric::Rss).map_or_else(|| "n/a".to_owned(), mib),
            ]
        })
        .collect();
    Table { header, rows, left: 1 }
}

/// Growth: per-function wall time and peak RSS at each size, and the factor from one size to the next
/// (per-function cost at the larger size over that at the smaller: 1.00 is linear).
fn growth(report: &Report) -> Table {
    let sizes = &report.config.functions;
    let mut header = vec!["producer".to_owned()];
    for &n in sizes {
        header.push(format!("µs/fn at {n}"));
    }
    for &n in sizes {
        header.push(format!("KiB/fn at {n}"));
    }
    for w in sizes.windows(2) {
        header.push(format!("time growth {}→{}", w[0], w[1]));
        header.push(format!("memory growth {}→{}", w[0], w[1]));
    }
    let rows = PRODUCERS
        .iter()
        .map(|&p| {
            let per = |n: u32, metric| report.median(n, p, metric).map(|v| v / f64::from(n));
            let mut cells = vec![p.name(report.config.jobs)];
            for &n in sizes {
                cells.push(ratio_cell(per(n, Metric::Wall).map(|v| v * 1e6), 1));
            }
            for &n in sizes {
                cells.push(ratio_cell(per(n, Metric::Rss).map(|v| v / 1024.0), 2));
            }
            for w in sizes.windows(2) {
                for metric in [Metric::Wall, Metric::Rss] {
                    let ratio = per(w[1], metric).zip(per(w[0], metric)).map(|(b, a)| b / a);
                    cells.push(ratio_cell(ratio, 2));
                }
            }
            cells
        })
        .collect();
    Table { header, rows, left: 1 }
}

fn caption(report: &Report) -> String {
    let c = &report.config;
    let inputs: Vec<String> =
        report.inputs.iter().map(|(n, lw, ll)| format!("{n} functions: .lw {lw} B, .ll {ll} B")).collect();
    format!(
        "{} calls per function (half to a DLL import, half static), x86_64 COFF ({TRIPLE}); 1 warm-up + {} \
         paired repetitions (every producer once per repetition, rotating order), medians; {}; load average \
         at start {}; llc: `{}`; inputs: {}",
        c.calls,
        c.reps,
        report.machine,
        report.load,
        report.llc.display(),
        inputs.join("; ")
    )
}

/// The plain-text report printed by `linkwise bench codegen`.
pub fn terminal(report: &Report) -> String {
    format!(
        "{}\n\n{}\n{TARGETS}:\n{}\ngrowth (per function; 1.00 = linear):\n{}",
        caption(report),
        results(report).terminal(),
        ratios(report).terminal(),
        growth(report).terminal()
    )
}

/// `codegen.md`: the same tables in markdown.
pub fn markdown(report: &Report) -> String {
    format!(
        "# Code generation, side by side\n\n{}.\n\n{}\n## Ratios (medians)\n\n{TARGETS}.\n\n{}\n## Growth (per function; 1.00 = \
         linear)\n\n{}",
        caption(report),
        results(report).markdown(),
        ratios(report).markdown(),
        growth(report).markdown()
    )
}

fn create_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relocs(list: &[(u64, &str)]) -> Vec<(u64, String)> {
        list.iter().map(|&(o, s)| (o, s.to_owned())).collect()
    }

    fn lengths(code: &[u8], r: &[(u64, &str)]) -> Vec<(String, u32)> {
        call_sites(code, &relocs(r), &[0]).into_iter().map(|s| (s.symbol, s.bytes)).collect()
    }

    #[test]
    fn direct_and_rip_relative_calls() {
        // call linked (E8 rel32); call [rip+__imp_imported] (FF 15 disp32).
        let code = [0xE8, 0, 0, 0, 0, 0xFF, 0x15, 0, 0, 0, 0];
        let sites = lengths(&code, &[(1, "linked"), (7, "__imp_imported")]);
        assert_eq!(sites, [("linked".to_owned(), 5), ("__imp_imported".to_owned(), 6)]);
    }

    #[test]
    fn register_call_counts_the_load_that_set_it() {
        // mov rax, [rip+__imp_imported]; mov ecx, eax (an argument move, not part of the site); call rax.
        let code = [0x48, 0x8B, 0x05, 0, 0, 0, 0, 0x89, 0xC1, 0xFF, 0xD0];
        assert_eq!(lengths(&code, &[(3, "__imp_imported")]), [("__imp_imported".to_owned(), 9)]);
    }

    #[test]
    fn movabs_chain_counts_once_when_shared() {
        // movabs rsi, __imp_imported; mov rax, [rsi]; call rax; mov rdx, [rsi]; call rdx;
        // movabs rdx, linked; call rdx.
        let mut code = vec![0x48, 0xBE, 0, 0, 0, 0, 0, 0, 0, 0];
        code.extend([0x48, 0x8B, 0x06, 0xFF, 0xD0]);
        code.extend([0x48, 0x8B, 0x16, 0xFF, 0xD2]);
        code.extend([0x48, 0xBA, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xD2]);
        let sites = lengths(&code, &[(2, "__imp_imported"), (22, "linked")]);
        assert_eq!(
            sites,
            [("__imp_imported".to_owned(), 15), ("__imp_imported".to_owned(), 5), ("linked".to_owned(), 12)]
        );
    }

    #[test]
    fn a_register_kept_across_calls_counts_its_load_once() {
        // mov rsi, [rip+__imp_imported]; call rsi; mov ecx, eax; call rsi (llc -O2's shape): 9 then 2 bytes.
        let code = [0x48, 0x8B, 0x35, 0, 0, 0, 0, 0xFF, 0xD6, 0x89, 0xC1, 0xFF, 0xD6];
        let sites = lengths(&code, &[(3, "__imp_imported")]);
        assert_eq!(sites, [("__imp_imported".to_owned(), 9), ("__imp_imported".to_owned(), 2)]);
    }

    #[test]
    fn untraceable_calls_and_function_boundaries_are_left_out() {
        // add rax, 8; call rax: the target is computed, not loaded from a symbol.
        assert!(lengths(&[0x48, 0x83, 0xC0, 0x08, 0xFF, 0xD0], &[]).is_empty());
        // The setter is in the previous function (a start at offset 10): no site.
        let code = [0x48, 0x8B, 0x05, 0, 0, 0, 0, 0x90, 0x90, 0x90, 0xFF, 0xD0];
        assert!(call_sites(&code, &relocs(&[(3, "__imp_imported")]), &[0, 10]).is_empty());
    }

    #[test]
    fn the_three_inputs_describe_the_same_work() {
        let lw = lw_module(2, 4);
        assert_eq!(lw.matches("imported(t)").count(), 4);
        assert_eq!(lw.matches("linked(t)").count(), 4);
        let ll = ll_module(2, 4);
        assert_eq!(ll.matches("call i32 @imported").count(), 4);
        assert_eq!(ll.matches("call i32 @linked").count(), 4);
        assert!(ll.contains("declare dllimport i32 @imported(i32)"), "{ll}");
        assert!(ll.contains("define dso_local i32 @fun1(i32 %x)"), "{ll}");
    }
}
