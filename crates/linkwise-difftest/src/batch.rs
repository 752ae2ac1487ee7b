//! Batches: many generated programs in one module, so that one wine start runs them all
//! (docs/difftest.md, "Programs and batches"). A batch is written three ways: the unsplit module the
//! interpreter runs, and for a target the program module plus, when some programs are split, the library
//! module of their exported functions.

use linkwise_fuzzgen::Program;

use crate::target::Target;

/// One generated program of a batch.
pub struct Entry {
    /// The seed it was generated from (what a failure report prints).
    pub seed: u64,
    /// Its index in the run: its prefix is `p{index}_` and its section starts with `begin {index}`.
    pub index: usize,
    /// The program.
    pub program: Program,
    /// When split: the library part and the rest (docs/difftest.md, "split").
    pub split: Option<linkwise_fuzzgen::Split>,
}

/// The names of the simulated libraries' state that a split program's library part must not touch: the
/// static library `lwsim_st` is linked into both images then, so each has its own copy of its data (and its
/// own address for `s_scale`), where the interpreter (which runs the unsplit program) has one. The generator
/// keeps them out of library parts; this is the runner's own check of that.
const PER_IMAGE_STATE: [&str; 4] = ["s_counter", "s_wide", "s_scale", "s_get_counter"];

/// Whether the IR text `text` mentions the name `name` as a whole identifier (`s_wide`, not `s_widen_i8`).
fn mentions(text: &str, name: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).any(|word| word == name)
}

impl Entry {
    /// The program of `seed` at `index`, split into a library called `lib` when `split` asks for it and
    /// the program allows it.
    pub fn new(seed: u64, index: usize, config: &linkwise_fuzzgen::Config, split: bool, lib: &str) -> Entry {
        let program = Program::generate(seed, &prefix(index), config);
        let split = if split { program.split(lib) } else { None }
            .filter(|s| !PER_IMAGE_STATE.iter().any(|name| mentions(&s.lib_items, name)));
        Entry { seed, index, program, split }
    }
}

/// The prefix of the program at `index`.
pub fn prefix(index: usize) -> String {
    format!("p{index}_")
}

/// The lines before the programs: the target line, on Windows kernel32 (the entry point's `ExitProcess`,
/// and the two functions the static `lwsim_st`'s C calls, which the program's link must provide), and the
/// three simulated libraries' blocks.
fn header(triple: &str, windows: bool) -> String {
    let mut text = format!("target {triple}\n\n");
    if windows {
        text.push_str(
            "#[link(name = \"kernel32\", kind = \"raw-dylib\")]\nextern {\n    fn ExitProcess(i32);\n    \
             fn GetStdHandle(i32) -> ptr;\n    fn WriteFile(ptr, ptr, i32, ptr, ptr) -> i32;\n}\n\n",
        );
    }
    text.push_str(&linkwise_fuzzgen::sim_externs());
    text.push('\n');
    text
}

/// `main`, which runs every program of the batch in order, each after a `begin N` line.
fn driver(entries: &[Entry], windows: bool) -> String {
    let mut text = String::from("\npub fn main() -> i32 {\n");
    for entry in entries {
        text.push_str(&format!("    d_begin({});\n    {}();\n", entry.index, entry.program.entry()));
    }
    text.push_str("    return 0;\n}\n");
    if windows {
        // No C runtime: the program is its own entry point, as ../shared/notes/toolchain.md describes.
        text.push_str("\npub fn mainCRTStartup() { ExitProcess(main()); }\n");
    }
    text
}

/// The batch as the interpreter runs it: every program unsplit.
pub fn reference_module(entries: &[Entry]) -> String {
    let mut text = header(Target::LinuxX64.triple(), false);
    for entry in entries {
        text.push_str(&entry.program.items());
        text.push('\n');
    }
    text + &driver(entries, false)
}

/// The batch's program module for `target`: split programs contribute only their non-library part.
pub fn program_module(entries: &[Entry], target: Target) -> String {
    let mut text = header(target.triple(), target.is_windows());
    for entry in entries {
        match &entry.split {
            Some(split) => text.push_str(&split.main_items),
            None => text.push_str(&entry.program.items()),
        }
        text.push('\n');
    }
    text + &driver(entries, target.is_windows())
}

/// The batch's library module for `target`, or `None` when no program of the batch is split.
pub fn library_module(entries: &[Entry], target: Target) -> Option<String> {
    let mut text = header(target.triple(), target.is_windows());
    let mut any = false;
    for split in entries.iter().filter_map(|e| e.split.as_ref()) {
        text.push_str(&split.lib_items);
        text.push('\n');
        any = true;
    }
    any.then_some(text)
}

/// The lines of `output` that belong to the program at `index` (after its `begin` line, up to the next).
pub fn section(lines: &[String], index: usize) -> &[String] {
    let begin = format!("begin {index}");
    let Some(start) = lines.iter().position(|l| *l == begin) else { return &[] };
    let rest = &lines[start + 1..];
    let end = rest.iter().position(|l| l.starts_with("begin ")).unwrap_or(rest.len());
    &rest[..end]
}

/// The index of the first program whose section differs between `expected` and `actual`, if any.
pub fn first_difference(entries: &[Entry], expected: &[String], actual: &[String]) -> Option<usize> {
    if expected == actual {
        return None;
    }
    entries
        .iter()
        .map(|e| e.index)
        .find(|&i| section(expected, i) != section(actual, i))
        // The sections agree but the whole does not (a line before the first `begin`, a missing `begin`):
        // blame the first program, whose run printed or skipped it.
        .or(entries.first().map(|e| e.index))
}

#[cfg(test)]
mod tests {
    use super::mentions;

    #[test]
    fn names_are_matched_whole() {
        assert!(mentions("s_wide = 1;", "s_wide"));
        assert!(mentions("f(&s_wide)", "s_wide"));
        assert!(!mentions("s_widen_i8(1)", "s_wide"));
        assert!(!mentions("xs_wide", "s_wide"));
    }
}
