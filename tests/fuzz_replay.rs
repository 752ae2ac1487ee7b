//! The fuzz targets in the ordinary suite (issue 11, item 3; docs/testing.md "Fuzzing"), on stable, without
//! libFuzzer: every file saved under `fuzz/regressions/TARGET/` is replayed through its target's body
//! (`linkwise_fuzz::TARGET`), and a deterministic mutation test (a SplitMix64 generator with a fixed seed, so
//! the same inputs on every machine) runs byte- and token-level mutations of the seed corpus through `parse`,
//! `check` and `pipeline`. A target's body panics on a violated invariant, so a failure here is a crash the
//! fuzzer would report; the panic message says which input.

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fuzz target's body.
type Target = fn(&[u8]);

/// The targets by directory name under `fuzz/regressions/`.
const TARGETS: &[(&str, Target)] = &[
    ("parse", linkwise_fuzz::parse),
    ("check", linkwise_fuzz::check),
    ("pipeline", linkwise_fuzz::pipeline),
    ("doctor_read", linkwise_fuzz::doctor_read),
    ("explain", linkwise_fuzz::explain),
];

/// Runs `f` on `data`, turning a panic into the message it carried.
fn run(f: Target, data: &[u8]) -> Result<(), String> {
    std::panic::catch_unwind(|| f(data)).map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic without a message".into())
    })
}

#[test]
fn every_regression_replays_cleanly() {
    let dir = root().join("fuzz/regressions");
    let mut failures = Vec::new();
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/regressions/") {
        let target_dir = entry.unwrap().path();
        if !target_dir.is_dir() {
            continue;
        }
        let name = target_dir.file_name().unwrap().to_string_lossy().into_owned();
        let f = TARGETS
            .iter()
            .find(|(t, _)| *t == name)
            .unwrap_or_else(|| panic!("fuzz/regressions/{name}/ names no target"))
            .1;
        let mut files: Vec<PathBuf> = std::fs::read_dir(&target_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            if file.extension().is_some_and(|e| e == "md") {
                continue; // the directory's notes
            }
            replayed += 1;
            if let Err(message) = run(f, &std::fs::read(&file).unwrap()) {
                failures.push(format!("{}: {message}", file.strip_prefix(root()).unwrap().display()));
            }
        }
    }
    eprintln!("replayed {replayed} regression inputs");
    // The crashes of issue 7's outside attack are here (a float cast to i8/i16 panicked inside Cranelift on
    // x86_64; explain panicked on a table cell over 65,535 characters), so an empty directory is a mistake.
    assert!(replayed >= 3, "only {replayed} regression inputs under fuzz/regressions/");
    assert!(failures.is_empty(), "{} regression inputs fail:\n{}", failures.len(), failures.join("\n\n"));
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a few lines, and the same sequence on every platform and release,
/// which a seed that reproduces a failure needs (no `rand` crate: its streams change between versions).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (`n > 0`); the slight bias of the modulo does not matter here.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Words spliced in by token-level mutations: keywords, types, punctuation, attributes, literals at their
/// limits (the text targets' dictionary, fuzz/lw.dict, holds the same kinds).
const TOKENS: &[&str] = &[
    "fn ",
    "pub ",
    "extern ",
    "static ",
    "mut ",
    "let ",
    "return ",
    "for ",
    " in ",
    "if ",
    "else ",
    " as ",
    "i8",
    "i16",
    "i32",
    "i64",
    "f32",
    "f64",
    "ptr",
    "[u8]",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ";",
    ",",
    ":",
    "=",
    "==",
    "<<",
    ">>",
    "->",
    "..",
    "&",
    "-",
    "/",
    "%",
    "!",
    "#[link(name = \"m\")]",
    "#[link(name = \"m\", kind = \"raw-dylib\")]",
    "#[export]",
    "#[export_name = \"e\"]",
    "#[link_name = \"l\"]",
    "#[link_ordinal(7)]",
    "#[crt]",
    "kind = \"static\"",
    "modifiers = \"+verbatim\"",
    "0",
    "-1",
    "255",
    "9223372036854775807",
    "18446744073709551615",
    "1e308",
    "3.4e38",
    "0.5",
    "\"s\\0\"",
    "\"\\u{e9}\"",
    "target x86_64-unknown-linux-gnu\n",
    "/* c */",
    "// c\n",
    "\n",
];

/// One mutation of `src` (bytes), chosen by `rng`; `other` is a second seed file for splicing.
fn mutate(rng: &mut SplitMix64, src: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = src.to_vec();
    let at = |rng: &mut SplitMix64, len: usize| rng.below(len + 1);
    match rng.below(8) {
        // Insert a random byte (printable mostly: the lexer sees more than its first error).
        0 => {
            let i = at(rng, out.len());
            let b = if rng.below(4) == 0 { rng.next() as u8 } else { b' ' + rng.below(95) as u8 };
            out.insert(i, b);
        }
        // Delete a run of up to 8 bytes.
        1 if !out.is_empty() => {
            let i = rng.below(out.len());
            let n = (1 + rng.below(8)).min(out.len() - i);
            out.drain(i..i + n);
        }
        // Replace a byte.
        2 if !out.is_empty() => {
            let i = rng.below(out.len());
            out[i] = b' ' + rng.below(95) as u8;
        }
        // Duplicate a line.
        3 => {
            let lines: Vec<&[u8]> = src.split_inclusive(|&b| b == b'\n').collect();
            if !lines.is_empty() {
                let l = rng.below(lines.len());
                let mut v = Vec::new();
                for (i, line) in lines.iter().enumerate() {
                    v.extend_from_slice(line);
                    if i == l {
                        v.extend_from_slice(line);
                    }
                }
                out = v;
            }
        }
        // Splice: a prefix of this file and a suffix of the other.
        4 => {
            let i = at(rng, src.len());
            let j = at(rng, other.len());
            out = [&src[..i], &other[j..]].concat();
        }
        // Replace one token-sized word (letters, digits, `_`) with a token.
        5 => {
            let i = at(rng, out.len());
            let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
            let end = i + out[i..].iter().take_while(|b| word(b)).count();
            let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
            out.splice(i..end, t.iter().copied());
        }
        // Insert a token, or a keyword, anywhere.
        _ => {
            let i = at(rng, out.len());
            let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
            out.splice(i..i, t.iter().copied());
        }
    }
    out
}

/// The seed corpus, as `fuzz/seed` gathers it for the text targets: corpus/*.lw and tests/programs/*.lw.
fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for dir in ["corpus", "tests/programs"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "lw") {
                seeds.push((
                    path.strip_prefix(root()).unwrap().display().to_string(),
                    std::fs::read(&path).unwrap(),
                ));
            }
        }
    }
    seeds.sort();
    seeds
}

/// How many mutated inputs [`mutated_seeds_keep_every_invariant`] runs: each through `parse` and `check`, and
/// every other one through `pipeline` (one target each, in turn): about 3 s in a debug build.
const MUTATIONS: usize = 8000;
const SEED: u64 = 0x6c69_6e6b_7769_7365; // "linkwise"

#[test]
fn mutated_seeds_keep_every_invariant() {
    let seeds = seeds();
    assert!(seeds.len() >= 10, "only {} seed files", seeds.len());
    let mut rng = SplitMix64(SEED);
    let mut failures = Vec::new();
    let started = std::time::Instant::now();
    for n in 0..MUTATIONS {
        let (name, src) = &seeds[rng.below(seeds.len())];
        let other = &seeds[rng.below(seeds.len())].1;
        // One to three mutations stacked: a single one mostly hits the first error only.
        let mut data = mutate(&mut rng, src, other);
        for _ in 0..rng.below(3) {
            data = mutate(&mut rng, &data, other);
        }
        let mut targets: Vec<(&str, Target, Vec<u8>)> = vec![
            ("parse", linkwise_fuzz::parse, data.clone()),
            ("check", linkwise_fuzz::check, data.clone()),
        ];
        if n % 2 == 0 {
            // The pipeline's first byte picks the target.
            let mut with_target = vec![(n / 2 % linkwise_fuzz::TARGETS.len()) as u8];
            with_target.extend_from_slice(&data);
            targets.push(("pipeline", linkwise_fuzz::pipeline, with_target));
        }
        for (target, f, input) in targets {
            if let Err(message) = run(f, &input) {
                failures.push(format!(
                    "mutation {n} of {name} (seed {SEED:#x}), target {target}: {message}\ninput: {:?}",
                    String::from_utf8_lossy(&input)
                ));
            }
        }
    }
    eprintln!("{MUTATIONS} mutations in {:.1} s", started.elapsed().as_secs_f64());
    assert!(failures.is_empty(), "{} mutated inputs fail:\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn the_generator_is_splitmix64() {
    // The first outputs for seed 0 (the reference sequence of SplitMix64), so seeds stay valid across changes.
    let mut rng = SplitMix64(0);
    assert_eq!(rng.next(), 0xe220_a839_7b1d_cdaf);
    assert_eq!(rng.next(), 0x6e78_9e6a_a1b9_65f4);
}
