//! `linkwise fmt` (issue 13 item 2, docs/cli.md "fmt"): comments kept where they were, `--check`'s exit
//! status and diff, `--write`'s atomic in-place rewrite (through links, permissions kept, never of a file
//! that does not parse), and idempotence with the module unchanged on every `.lw` file of the repository and
//! on generated programs with comments injected between random tokens.

mod support;

use linkwise::SourceFile;
use linkwise::ir::text;
use std::path::{Path, PathBuf};

/// Writes `text` to `name` in `dir` and returns the path as a string for the command line.
fn put(dir: &support::TempDir, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

/// Every comment of `text` (which must parse), as written (line comments without trailing whitespace), in
/// source order.
fn comments(text: &str) -> Vec<String> {
    let file = SourceFile::new("c.lw", text);
    let module = text::parse(&file).unwrap_or_else(|d| panic!("does not parse:\n{}", d.render(&file)));
    let trivia = text::trivia(&file, &module).unwrap();
    trivia
        .comments
        .iter()
        .map(|c| text[c.span.start as usize..c.span.end as usize].trim_end().to_owned())
        .collect()
}

/// Checks the formatter's promises on `text`: formatting succeeds, keeps the module (spans aside) and every
/// comment in order, and formatting the result again changes nothing. Returns the formatted text.
fn assert_formats(name: &str, text: &str) -> String {
    let file = SourceFile::new(name, text);
    let module = text::parse(&file).unwrap_or_else(|d| panic!("{name} does not parse:\n{}", d.render(&file)));
    let once = text::format(&file).unwrap_or_else(|d| panic!("{name}: fmt failed:\n{}", d.render(&file)));
    let once_file = SourceFile::new(name, once.as_str());
    let again = text::parse(&once_file)
        .unwrap_or_else(|d| panic!("{name}: formatted text does not parse:\n{}", d.render(&once_file)));
    assert!(again == module, "{name}: formatting changed the module:\n{once}");
    assert_eq!(comments(&once), comments(text), "{name}: comments lost or reordered:\n{once}");
    let twice = text::format(&once_file).unwrap();
    assert!(twice == once, "{name}: fmt is not idempotent:\n--- once\n{once}\n--- twice\n{twice}");
    once
}

const COMMENTED: &str = "\
// header

target x86_64-pc-windows-msvc   // trailing after the triple
#[link(name = \"msvcrt\")]
extern {
  // before puts
  fn puts(ptr) -> i32;    // after puts


  /* before tolower */ fn tolower(i32) -> i32;
  // last in the block
}
/* a block
   comment over lines */
pub fn main() -> i32 {
  let c = tolower(65); // after let
     // own line, badly indented
  puts(\"x\0\");

  if c == 1 { // after the brace
    return 1;
    // end of then
  } else {
    return f(/* inside */ 2);
  }
  // end of main
}
fn f(x: i32) -> i32 { /* only a comment */ }
// the end
";

const COMMENTED_FORMATTED: &str = "\
// header

target x86_64-pc-windows-msvc // trailing after the triple

#[link(name = \"msvcrt\")]
extern {
    // before puts
    fn puts(ptr) -> i32; // after puts

    /* before tolower */
    fn tolower(i32) -> i32;
    // last in the block
}

/* a block
   comment over lines */
pub fn main() -> i32 {
    let c = tolower(65); // after let
    // own line, badly indented
    puts(\"x\\0\");

    if c == 1 { // after the brace
        return 1;
        // end of then
    } else {
        /* inside */
        return f(2);
    }
    // end of main
}

fn f(x: i32) -> i32 { /* only a comment */
}
// the end
";

#[test]
fn comments_stay_at_their_places() {
    let dir = support::TempDir::new("fmt-comments");
    let path = put(&dir, "m.lw", COMMENTED);
    let (status, out, err) = support::linkwise(&["fmt", &path]);
    assert_eq!((status, err.as_str()), (0, ""));
    assert_eq!(out, COMMENTED_FORMATTED);
    assert_eq!(assert_formats("m.lw", COMMENTED), COMMENTED_FORMATTED);
    // Formatted text is left alone.
    let formatted = put(&dir, "f.lw", COMMENTED_FORMATTED);
    assert_eq!(support::linkwise(&["fmt", &formatted]), (0, COMMENTED_FORMATTED.to_owned(), String::new()));
}

#[test]
fn else_if_chains_and_attributes_keep_their_comments() {
    let source = "#[export] // exported\n#[export_name = \"g\"] /* its name */ pub fn f(a: i32) -> i32 {\n\
        if a { return 1; } // one\n    else { if a == 2 { return 2; } /* two */ }\n    return 0;\n}\n";
    let formatted = assert_formats("chain.lw", source);
    assert_eq!(
        formatted,
        // `/* two */` follows the inner `if` inside the else block, so that block is kept (folded into `else
        // if`, the comment moved into the inner `if`'s block: review of issue 13).
        "#[export] // exported\n#[export_name = \"g\"] /* its name */\npub fn f(a: i32) -> i32 {\n    \
         if a {\n        return 1;\n        // one\n    } else {\n        if a == 2 {\n            return 2;\n        \
         } /* two */\n    }\n    return 0;\n}\n"
    );
}

#[test]
fn check_exits_1_with_a_diff_and_0_when_formatted() {
    let dir = support::TempDir::new("fmt-check");
    let bad = put(&dir, "bad.lw", "pub fn main() {\n  let x = 1;\n  return;\n}\n");
    let good = put(&dir, "good.lw", "pub fn main() {\n    return;\n}\n");
    let (status, out, err) = support::linkwise(&["fmt", "--check", &good]);
    assert_eq!((status, out.as_str(), err.as_str()), (0, "", ""));
    let (status, out, err) = support::linkwise(&["fmt", "--check", &good, &bad]);
    assert_eq!((status, err.as_str()), (1, ""));
    assert_eq!(
        out,
        format!(
            "Diff in {bad} at line 1:\n pub fn main() {{\n-  let x = 1;\n-  return;\n+    let x = 1;\n+    return;\n }}\n"
        )
    );
    // Nothing was written.
    assert_eq!(std::fs::read_to_string(&bad).unwrap(), "pub fn main() {\n  let x = 1;\n  return;\n}\n");
    // Changes far apart are separate groups, each with three lines of context and its own line number.
    let mut long = String::from("pub fn main() {\n  let a = 0;\n");
    for i in 0..10 {
        long.push_str(&format!("    let v{i} = {i};\n"));
    }
    long.push_str("  return;\n}\n");
    let long_path = put(&dir, "long.lw", &long);
    let (status, out, _) = support::linkwise(&["fmt", "--check", &long_path]);
    assert_eq!(status, 1);
    let headers: Vec<&str> = out.lines().filter(|l| l.starts_with("Diff in")).collect();
    assert_eq!(
        headers,
        [format!("Diff in {long_path} at line 1:"), format!("Diff in {long_path} at line 10:")]
    );
    // A file that does not parse is an error, reported with its diagnostic.
    let broken = put(&dir, "broken.lw", "pub fn main() { return }\n");
    let (status, out, err) = support::linkwise(&["fmt", "--check", &broken]);
    assert_eq!((status, out.as_str()), (1, ""));
    assert!(err.contains("error") && err.contains("broken.lw:1:"), "{err}");
}

/// The names in `dir`, sorted: a rewrite must leave no temporary file behind.
fn listing(dir: &Path) -> Vec<String> {
    let mut names = support::names_in(dir);
    names.sort();
    names
}

#[cfg(unix)]
#[test]
fn write_rewrites_in_place_atomically_keeping_mode_and_links() {
    use std::os::unix::fs::PermissionsExt;
    let dir = support::TempDir::new("fmt-write");
    let messy = "pub fn main() {  return; } // done\n";
    let tidy = "pub fn main() {\n    return;\n} // done\n";
    let path = put(&dir, "m.lw", messy);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let inode_before = std::fs::metadata(&path).map(|m| std::os::unix::fs::MetadataExt::ino(&m)).unwrap();
    let (status, out, err) = support::linkwise(&["fmt", "--write", &path]);
    assert_eq!((status, out.as_str(), err.as_str()), (0, "", ""));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), tidy);
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    // Replaced by a rename (a new inode), not rewritten in place where a reader could see half of it.
    assert_ne!(std::os::unix::fs::MetadataExt::ino(&meta), inode_before);
    assert_eq!(listing(dir.path()), ["m.lw"]);

    // Through a symbolic link: the link stays, its target is rewritten.
    let target = put(&dir, "real.lw", messy);
    let link = dir.join("link.lw");
    std::os::unix::fs::symlink("real.lw", &link).unwrap();
    let (status, _, err) = support::linkwise(&["fmt", "-w", link.to_str().unwrap()]);
    assert_eq!((status, err.as_str()), (0, ""));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_link(&link).unwrap(), PathBuf::from("real.lw"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), tidy);

    // A file that does not parse is left byte for byte as it was; the others are still rewritten.
    let broken_text = "pub fn main() {  return }  // broken\n";
    let broken = put(&dir, "broken.lw", broken_text);
    let other = put(&dir, "other.lw", messy);
    let (status, out, err) = support::linkwise(&["fmt", "--write", &broken, &other]);
    assert_eq!((status, out.as_str()), (1, ""));
    assert!(err.contains("error") && err.contains("broken.lw:1:"), "{err}");
    assert_eq!(std::fs::read(&broken).unwrap(), broken_text.as_bytes());
    assert_eq!(std::fs::read_to_string(&other).unwrap(), tidy);
    assert_eq!(listing(dir.path()), ["broken.lw", "link.lw", "m.lw", "other.lw", "real.lw"]);
    // `--check` and `--write` together make no sense.
    assert_eq!(support::linkwise(&["fmt", "--check", "--write", &other]).0, linkwise_cli::EXIT_USAGE);
}

#[test]
fn several_files_print_after_their_names() {
    let dir = support::TempDir::new("fmt-several");
    let a = put(&dir, "a.lw", "fn a() {}\n");
    let b = put(&dir, "b.lw", "fn b() { }\n");
    let (status, out, _) = support::linkwise(&["fmt", &a, &b]);
    assert_eq!((status, out), (0, format!("{a}:\n\nfn a() {{}}\n{b}:\n\nfn b() {{}}\n")));
}

/// Every `.lw` file under `dir`, sorted: the repository's own, not what builds and scripts leave in the
/// git-ignored `target/` and `out/` (scripts/codegen-bench writes a 100,000-function module there) or the
/// fuzzer's corpus, nor hidden directories.
fn lw_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            let ignored = ["target", "out"].contains(&name.as_str()) || path.ends_with("fuzz/corpus");
            if !name.starts_with('.') && !ignored {
                lw_files(&path, out);
            }
        } else if name.ends_with(".lw") {
            out.push(path);
        }
    }
}

#[test]
fn every_repository_module_formats_idempotently() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    lw_files(root, &mut files);
    let (mut whole, mut cases) = (0, 0);
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.strip_prefix(root).unwrap().display().to_string();
        if text::parse(&SourceFile::new(&name, text.as_str())).is_ok() {
            assert_formats(&name, &text);
            // Through the CLI as well: a formatted file passes `--check`.
            let formatted = text::format(&SourceFile::new(&name, text.as_str())).unwrap();
            let dir = support::TempDir::new("fmt-repo");
            let copy = put(&dir, "copy.lw", &formatted);
            assert_eq!(support::linkwise(&["fmt", "--check", &copy]).0, 0, "{name}");
            whole += 1;
            continue;
        }
        // The error corpora (tests/errors.rs) hold many cases per file, `// -----` between them: each case
        // that parses is formatted on its own.
        for (i, case) in text.split("// -----\n").enumerate() {
            if text::parse(&SourceFile::new("case.lw", case)).is_ok() {
                assert_formats(&format!("{name} case {i}"), case);
                cases += 1;
            }
        }
    }
    eprintln!("{} .lw files: {whole} formatted whole, {cases} cases of the others", files.len());
    // corpus/, tests/programs/ and examples/ hold more than twenty modules that parse.
    assert!(whole >= 20, "only {whole} of {} files parsed", files.len());
}

/// SplitMix64, for the injected comments' places (stable across versions, unlike a crate's generator).
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `text` with comments put between tokens at random: about one boundary in five gets a block comment, a
/// line comment, or a block comment on lines of its own, each surrounded by whitespace so it joins no token.
fn inject_comments(text: &str, seed: u64) -> String {
    let file = SourceFile::new("g.lw", text);
    let module = text::parse(&file).unwrap();
    let trivia = text::trivia(&file, &module).unwrap();
    let mut state = seed;
    let mut out = String::with_capacity(text.len() * 2);
    let mut at = 0;
    for (i, token) in trivia.tokens.iter().enumerate() {
        let start = token.start as usize;
        out.push_str(&text[at..start]);
        let r = splitmix(&mut state);
        match r % 16 {
            0 | 1 => out.push_str(&format!(" /* b{i} */ ")),
            2 => out.push_str(&format!(" // l{i}\n")),
            3 => out.push_str(&format!("\n/* m{i}\n  two lines */\n")),
            4 => out.push_str(&format!("\n\n// p{i}\n\n")),
            _ => {}
        }
        at = start;
    }
    out.push_str(&text[at..]);
    if seed.is_multiple_of(2) {
        out.push_str("// at the very end");
    }
    out
}

#[test]
fn generated_programs_with_injected_comments_format_idempotently() {
    let started = std::time::Instant::now();
    // Small programs, many seeds: every statement and expression form still occurs, in a few seconds of a
    // debug build (`LINKWISE_FMT_SEEDS=N` for a longer run).
    let config = linkwise_fuzzgen::Config {
        min_functions: 2,
        max_functions: 3,
        max_stmts: 4,
        ..linkwise_fuzzgen::Config::default()
    };
    let seeds: u64 = std::env::var("LINKWISE_FMT_SEEDS").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let mut injected_comments = 0;
    for seed in 0..seeds {
        let program = linkwise_fuzzgen::Program::generate(seed, &format!("p{seed}_"), &config);
        let target = if seed.is_multiple_of(3) { "target x86_64-unknown-linux-gnu\n" } else { "" };
        // fmt only parses, so the shared extern blocks (long, and the same each time) come in now and then.
        let externs = if seed.is_multiple_of(25) { linkwise_fuzzgen::sim_externs() } else { String::new() };
        let text = format!("{target}{externs}\n{}", program.items());
        let with_comments = inject_comments(&text, seed);
        injected_comments += comments(&with_comments).len();
        assert_formats(&format!("seed {seed}"), &with_comments);
        assert_formats(&format!("seed {seed} without comments"), &text);
    }
    eprintln!(
        "{seeds} generated programs, {injected_comments} comments: {:.2} s",
        started.elapsed().as_secs_f64()
    );
    assert!(injected_comments > seeds as usize * 20);
}

/// An `else` block whose `if` has comments around it stays a block: folded into `else if`, the comments were
/// printed inside the `then` block (review of issue 13). Without comments it still folds.
#[test]
fn else_blocks_with_comments_are_not_folded_into_else_if() {
    let with = "pub fn f(a: i32) -> i32 {\n    if a == 1 {\n        return 1;\n    } else {\n        // about the inner if\n        if a == 2 {\n            return 2;\n        }\n        // after the inner if\n    }\n    return 0;\n}\n";
    assert_eq!(text::format(&SourceFile::new("e.lw", with)).unwrap(), with);
    let without = "pub fn f(a: i32) -> i32 {\n    if a == 1 {\n        return 1;\n    } else {\n        if a == 2 {\n            return 2;\n        }\n    }\n    return 0;\n}\n";
    let folded = text::format(&SourceFile::new("e.lw", without)).unwrap();
    assert!(folded.contains("    } else if a == 2 {\n"), "{folded}");
}
