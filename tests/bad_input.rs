//! The bad-input catalogue (issue 11, item 4): docs/bad-input.md is read here, and every entry's source is run
//! through `linkwise build` in process; its standard error and exit status must be exactly the entry's. The
//! entry format (`####` heading, a `lw` block, a `console` block with `$ linkwise build bad.lw ARGS`, the
//! output and `[exit status: N]`; `{{TEXT*N}}` for repetition) is described at the top of that file.
//!
//! `LINKWISE_BLESS=1 cargo test --test bad_input` rewrites each entry's standard error and exit status in
//! docs/bad-input.md from what linkwise prints now (runs of 40 or more of one character written `{{C*N}}`), as
//! the corpus is blessed; read the `git diff` before committing it.

mod support;

use std::path::Path;

/// The classes the catalogue must cover (issue 11, item 4), as its `##` headings spell them, and the fewest
/// entries each must keep: a class that loses its entries fails the test rather than silently disappearing.
const CLASSES: &[(&str, usize)] = &[
    ("Syntax", 8),
    ("Types", 6),
    ("Names", 6),
    ("Literals", 12),
    ("Link attributes and modifiers", 10),
    ("`-l` overrides", 9),
    ("Targets", 5),
    ("Names a format cannot hold", 6),
    ("Sizes past a format's limits", 3),
    ("Unbounded inputs", 6),
    ("Libraries of the link (`--check-libs`)", 2),
];

/// One entry of the catalogue.
#[derive(Debug)]
struct Entry {
    class: String,
    title: String,
    /// The `lw` block, before expansion.
    source: String,
    /// The arguments after `linkwise build bad.lw`.
    args: Vec<String>,
    /// Standard error as the entry states it, before expansion.
    stderr: String,
    status: i32,
}

/// `{{TEXT*N}}` written out: TEXT N times, with `\n` a line break and `\0` a NUL in TEXT. TEXT ends at the
/// first `*` that digits and `}}` follow (so `{{}*3}}` is three `}` and `{{a*b*2}}` is `a*ba*b`).
fn expand(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    'outer: while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        for (star, _) in after.match_indices('*') {
            let digits = after[star + 1..].bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 && after[star + 1 + digits..].starts_with("}}") {
                let count: usize = after[star + 1..star + 1 + digits].parse().expect("a repeat count");
                let unit = after[..star].replace("\\n", "\n").replace("\\0", "\0");
                out.push_str(&unit.repeat(count));
                rest = &after[star + 1 + digits + 2..];
                continue 'outer;
            }
        }
        // No `*N}}`: the braces are text.
        out.push_str("{{");
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The fenced block tagged `tag` that starts on the next non-blank line of `lines`.
fn block<'a>(lines: &mut impl Iterator<Item = &'a str>, tag: &str, title: &str) -> String {
    let open = format!("```{tag}");
    loop {
        match lines.next() {
            Some(l) if l.trim() == open => break,
            Some(l) if l.starts_with("```") || l.starts_with('#') => {
                panic!("entry `{title}`: expected a ```{tag} block, found `{l}`")
            }
            Some(_) => {}
            None => panic!("entry `{title}`: no ```{tag} block"),
        }
    }
    let mut body = Vec::new();
    for l in lines.by_ref() {
        if l == "```" {
            return body.join("\n");
        }
        body.push(l);
    }
    panic!("entry `{title}`: the ```{tag} block is not closed")
}

fn entries(doc: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut class = None;
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        if let Some(heading) = line.strip_prefix("## ") {
            class = Some(heading.trim().to_owned());
        } else if let Some(title) = line.strip_prefix("#### ") {
            let class = class.clone().unwrap_or_else(|| panic!("entry `{title}` before any `##` class"));
            let source = block(&mut lines, "lw", title);
            let console = block(&mut lines, "console", title);
            let mut console_lines: Vec<&str> = console.lines().collect();
            let command = console_lines.first().copied().unwrap_or_default();
            let args = command.strip_prefix("$ linkwise build bad.lw").unwrap_or_else(|| {
                panic!("entry `{title}`: the command is not `$ linkwise build bad.lw ...`")
            });
            let status = console_lines
                .pop()
                .and_then(|l| l.strip_prefix("[exit status: ")?.strip_suffix(']')?.parse().ok())
                .unwrap_or_else(|| panic!("entry `{title}`: no `[exit status: N]` line"));
            let mut stderr = console_lines[1..].join("\n");
            if !stderr.is_empty() {
                stderr.push('\n');
            }
            out.push(Entry {
                class,
                title: title.trim().to_owned(),
                source,
                args: args.split_whitespace().map(str::to_owned).collect(),
                stderr,
                status,
            });
        }
    }
    out
}

fn catalogue() -> Vec<Entry> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/bad-input.md");
    entries(&std::fs::read_to_string(path).expect("docs/bad-input.md"))
}

#[test]
fn every_entry_prints_what_the_catalogue_says() {
    let dir = support::TempDir::new("bad-input");
    let prefix = format!("{}/", dir.path().display());
    let mut failures = Vec::new();
    let mut blessed = Vec::new();
    let entries = catalogue();
    for (n, entry) in entries.iter().enumerate() {
        let source = dir.join(&format!("{n}/bad.lw"));
        std::fs::create_dir_all(source.parent().unwrap()).unwrap();
        std::fs::write(&source, expand(&entry.source)).unwrap();
        let source = source.display().to_string();
        let out = dir.join(&format!("{n}/out")).display().to_string();
        let mut args = vec!["build".to_owned(), source.clone()];
        args.extend(entry.args.iter().cloned());
        args.extend(["--out-dir".to_owned(), out.clone()]);
        let (status, _, stderr) = support::linkwise(&args);
        // The `-->` lines name the file as given; the catalogue gives it as `bad.lw`.
        let stderr = stderr.replace(&format!("{prefix}{n}/"), "");
        let expected = expand(&entry.stderr);
        blessed.push((compress(&stderr), status));
        if status != entry.status || stderr != expected {
            failures.push(format!(
                "[{}] {}: exit status {status} (catalogue: {}); standard error:\n{stderr}--- the catalogue says:\n{expected}",
                entry.class, entry.title, entry.status
            ));
        }
        assert!(!Path::new(&out).exists(), "[{}] {}: something was written", entry.class, entry.title);
        // Input past the size cap is tens of MiB: do not keep it for the rest of the run.
        std::fs::remove_file(&source).unwrap();
    }
    if std::env::var_os("LINKWISE_BLESS").is_some() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/bad-input.md");
        let doc = std::fs::read_to_string(&path).expect("docs/bad-input.md");
        std::fs::write(&path, bless(&doc, &blessed)).expect("writable docs/bad-input.md");
        return;
    }
    assert!(
        failures.is_empty(),
        "{} of {} entries differ:\n\n{}",
        failures.len(),
        entries.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_class_keeps_its_entries() {
    let entries = catalogue();
    for (class, least) in CLASSES {
        let n = entries.iter().filter(|e| e.class == *class).count();
        assert!(n >= *least, "class `{class}` has {n} entries in docs/bad-input.md, fewer than {least}");
    }
    for e in &entries {
        assert!(
            CLASSES.iter().any(|(c, _)| *c == e.class),
            "entry `{}` is in unknown class `{}`",
            e.title,
            e.class
        );
        // Every entry is bad input: it fails, and says so.
        assert_ne!(e.status, 0, "entry `{}` succeeds", e.title);
        assert!(e.stderr.starts_with("error"), "entry `{}` reports no error first", e.title);
    }
    // A source position wherever the mistake is in the source: only arguments and the input's size have none.
    for e in entries.iter().filter(|e| !matches!(e.class.as_str(), "`-l` overrides" | "Targets")) {
        let file_level = e.stderr.contains("is larger than");
        assert!(file_level || e.stderr.contains(" --> bad.lw:"), "entry `{}` has no location", e.title);
    }
}

/// `text` with every run of 40 or more of one character written `{{C*N}}` (a line break as `\n`, a NUL as
/// `\0`): the catalogue's shorthand, which [`expand`] reverses.
fn compress(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|&&c| c == chars[i]).count();
        if run >= 40 {
            let unit = match chars[i] {
                '\n' => "\\n".to_owned(),
                '\0' => "\\0".to_owned(),
                c => c.to_string(),
            };
            out.push_str(&format!("{{{{{unit}*{run}}}}}"));
        } else {
            out.extend(&chars[i..i + run]);
        }
        i += run;
    }
    out
}

/// `doc` with the console block of its `k`-th entry holding `stderr` and `status` of `results[k]`.
fn bless(doc: &str, results: &[(String, i32)]) -> String {
    let mut out = Vec::new();
    let mut lines = doc.lines();
    let mut entry = 0;
    let mut in_entry = false;
    while let Some(line) = lines.next() {
        out.push(line.to_owned());
        if line.starts_with("#### ") {
            in_entry = true;
        } else if in_entry && line.trim() == "```console" {
            in_entry = false;
            let command = lines.next().unwrap_or_default();
            out.push(command.to_owned());
            // Skip the old output, up to and with the closing fence.
            for old in lines.by_ref() {
                if old == "```" {
                    break;
                }
            }
            let (stderr, status) = &results[entry];
            out.extend(stderr.lines().map(str::to_owned));
            out.push(format!("[exit status: {status}]"));
            out.push("```".to_owned());
            entry += 1;
        }
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

#[test]
fn blessing_writes_back_what_expansion_reads() {
    let text = format!("a{}b\n{}\n", " ".repeat(44), "^".repeat(39));
    assert_eq!(compress(&text), format!("a{{{{ *44}}}}b\n{}\n", "^".repeat(39)));
    assert_eq!(expand(&compress(&text)), text);
    let doc = "#### t\n\n```lw\nx\n```\n\n```console\n$ linkwise build bad.lw\nold\n[exit status: 2]\n```\n";
    let blessed = bless(doc, &[("new\n".to_owned(), 1)]);
    assert_eq!(blessed, doc.replace("old\n[exit status: 2]", "new\n[exit status: 1]"));
}

#[test]
fn expansion_writes_out_repetitions() {
    assert_eq!(expand("a{{(*3}}1{{)*2}}b"), "a(((1))b");
    assert_eq!(expand("{{}*2}} {{if 1 { *2}}"), "}} if 1 { if 1 { ");
    assert_eq!(expand("{{\\0*1}}{{x\\n*2}}"), "\0x\nx\n");
    assert_eq!(expand("no braces"), "no braces");
}
