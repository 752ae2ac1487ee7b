//! A real link line (issue 12, item 1): the words of a link.exe or lld-link command, with `@file` response
//! files expanded, turned into what doctor models: the inputs in command-line order and the [`LinkOptions`];
//! every other link.exe option accepted and listed as not affecting the prediction; the library search of
//! link.exe (the current directory, each `/LIBPATH`, each `LIB` entry); and the command rustc prints when a
//! link fails (`note: "link.exe" "/NOLOGO" ...`), read back into words.

pub mod gnu;

use crate::predict::{Flavor, LinkOptions, lib_key, wanted_default_libraries};
use crate::read::Input;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// How deep response files may include one another. link.exe documents no limit and lld-link stops only at a
/// cycle; a fixed bound keeps a generated chain from exhausting memory, and no build nests more than a few.
pub const MAX_RESPONSE_DEPTH: usize = 32;

/// A link line, read.
#[derive(Clone, Debug, Default)]
pub struct LinkLine {
    /// Objects and libraries in command-line order, as written.
    pub inputs: Vec<String>,
    /// Inputs that look like options (`/name` with a name link.exe does not have): lld-link reads such a word
    /// as a path when it is not an option, so they are inputs if the file exists and warnings otherwise.
    pub maybe_inputs: Vec<String>,
    /// The modelled options.
    pub options: LinkOptions,
    /// `/LIBPATH:` directories in order.
    pub lib_paths: Vec<String>,
    /// The options that change the prediction, as written.
    pub modelled: Vec<String>,
    /// Link.exe options accepted that do not change the prediction, as written.
    pub not_modelled: Vec<String>,
    /// What doctor could not take: unknown options, arguments rustc left out of its note.
    pub warnings: Vec<String>,
    /// The response files read, outermost first.
    pub response_files: Vec<String>,
    /// Whose rules the line is read by, when `--flavor`, the program name or the line's own syntax says (GNU
    /// ld's `-lkernel32`, `-m i386pep`); `None` leaves the choice to the inputs ([`load`]).
    pub flavor: Option<Flavor>,
    /// Why that flavor, for the report.
    pub flavor_reason: Option<String>,
    /// MinGW: the [`inputs`](LinkLine::inputs) (by index) that are `-lNAME` to search, with whether `-Bstatic`
    /// was in force.
    pub libraries: BTreeMap<usize, bool>,
    /// MinGW: the inputs (by index) between `--whole-archive` and `--no-whole-archive`.
    pub whole_archive_inputs: BTreeSet<usize>,
    /// Whether the words were read as GNU ld's (`-lNAME`, `-L`), as opposed to link.exe's.
    pub gnu_syntax: bool,
    /// `-lldmingw` was on the (link.exe-syntax) line: lld-link in MinGW mode.
    pub lld_mingw: bool,
}

/// Link.exe's options that do not change what doctor predicts (Microsoft's "Linker options" reference, plus
/// the lld-link ones rustc and clang pass). Lower case, without `/`.
const NOT_MODELLED: &[&str] = &[
    "align",
    "allowbind",
    "allowisolation",
    "appcontainer",
    "arm64xsameaddress",
    "assemblydebug",
    "assemblylinkresource",
    "assemblymodule",
    "assemblyresource",
    "base",
    "brepro",
    "cetcompat",
    "cgthreads",
    "clrimagetype",
    "clrloaderoptimization",
    "clrsupportlasterror",
    "clrthreadattribute",
    "clrunmanagedcodecheck",
    "debug",
    "debugtype",
    "def",
    "delay",
    "delayload",
    "delaysign",
    "dependentloadflag",
    "driver",
    "dynamicbase",
    "emittoolversioninfo",
    "emitvolatilemetadata",
    "errorlimit",
    "errorreport",
    "export",
    "failifmismatch",
    "fastfail",
    "fastgenprofile",
    "filealign",
    "functionpadmin",
    "genprofile",
    "guard",
    "guardsym",
    "heap",
    "highentropyva",
    "idlout",
    "ignore",
    "ignoreidl",
    "ilk",
    "implib",
    "incremental",
    "inferasanlibs",
    "integritycheck",
    "kernel",
    "keycontainer",
    "keyfile",
    "largeaddressaware",
    "linkrepro",
    "linkreprotarget",
    "lldmap",
    "lldltocache",
    "lldltocachepolicy",
    "lldsavetemps",
    "ltcg",
    "ltcgout",
    "manifest",
    "manifestdependency",
    "manifestfile",
    "manifestinput",
    "manifestuac",
    "map",
    "mapinfo",
    "merge",
    "midl",
    "natvis",
    "noassembly",
    "nofunctionpadsection",
    "noimplib",
    "nologo",
    "nxcompat",
    "opt",
    "order",
    "out",
    "pdb",
    "pdbaltpath",
    "pdbpagesize",
    "pdbstripped",
    "pgd",
    "pogosafemode",
    "profile",
    "release",
    "safeseh",
    "section",
    "sourcelink",
    "stack",
    "stub",
    "swaprun",
    "threads",
    "time",
    "timestamp",
    "tlbid",
    "tlbout",
    "tsaware",
    "useprofile",
    "verbose",
    "version",
    "winmd",
    "winmddelaysign",
    "winmdfile",
    "winmdkeycontainer",
    "winmdkeyfile",
    "wx",
];

/// Splits `text` into words as lld-link reads a response file (LLVM `cl::TokenizeWindowsCommandLine`, the
/// rules of Microsoft's C runtime): whitespace separates words outside double quotes; a `"` starts or ends a
/// quoted part; inside one, `""` is a literal quote; `2n` backslashes before a `"` are `n` backslashes and the
/// quote acts, `2n+1` are `n` backslashes and a literal quote; backslashes before anything else are literal.
pub fn tokenize(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    // A word is open once anything, even an empty `""`, was read for it.
    let mut open = false;
    let mut quoted = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let start = i;
                while i < chars.len() && chars[i] == '\\' {
                    i += 1;
                }
                let n = i - start;
                open = true;
                if i < chars.len() && chars[i] == '"' {
                    word.extend(std::iter::repeat_n('\\', n / 2));
                    if n % 2 == 1 {
                        word.push('"');
                        i += 1;
                    }
                    // Even: the quote is read by the next round.
                } else {
                    word.extend(std::iter::repeat_n('\\', n));
                }
                continue;
            }
            '"' => {
                open = true;
                if quoted && chars.get(i + 1) == Some(&'"') {
                    word.push('"');
                    i += 1;
                } else {
                    quoted = !quoted;
                }
            }
            ' ' | '\t' | '\r' | '\n' if !quoted => {
                if open {
                    words.push(std::mem::take(&mut word));
                    open = false;
                }
            }
            '\0' => {}
            c => {
                open = true;
                word.push(c);
            }
        }
        i += 1;
    }
    if open {
        words.push(word);
    }
    words
}

/// The text of a response file: UTF-16LE with its byte-order mark (what rustc writes for link.exe and MSBuild
/// writes for its `.rsp` files), UTF-16BE with its mark, UTF-8 with or without one.
pub fn decode_response_file(name: &str, bytes: &[u8]) -> Result<String, String> {
    let utf16 = |rest: &[u8], le: bool| -> Result<String, String> {
        if !rest.len().is_multiple_of(2) {
            return Err(format!("response file `{name}` is UTF-16 with an odd number of bytes"));
        }
        let units = rest
            .chunks_exact(2)
            .map(|p| if le { u16::from_le_bytes([p[0], p[1]]) } else { u16::from_be_bytes([p[0], p[1]]) });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|e| format!("response file `{name}` is not valid UTF-16: {e}"))
    };
    if let Some(rest) = bytes.strip_prefix(&[0xff, 0xfe]) {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xfe, 0xff]) {
        return utf16(rest, false);
    }
    let rest = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(bytes);
    String::from_utf8(rest.to_vec()).map_err(|e| {
        format!("response file `{name}` is neither UTF-8 nor UTF-16 with a byte-order mark: {e}")
    })
}

/// Expands every `@file` word in place with the words of that file, recursively; nested names are relative to
/// the current directory, as lld-link and link.exe take them. A file that includes itself (directly or not),
/// or nesting deeper than [`MAX_RESPONSE_DEPTH`], is an error naming the chain. `read` reads a file; the names
/// of the files read are pushed to `read_files`.
pub fn expand_response_files(
    words: &[String],
    read: &mut dyn FnMut(&Path) -> std::io::Result<Vec<u8>>,
    read_files: &mut Vec<String>,
) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    expand_into(words, read, read_files, &mut Vec::new(), &mut out)?;
    Ok(out)
}

fn expand_into(
    words: &[String],
    read: &mut dyn FnMut(&Path) -> std::io::Result<Vec<u8>>,
    read_files: &mut Vec<String>,
    stack: &mut Vec<String>,
    out: &mut Vec<String>,
) -> Result<(), String> {
    for word in words {
        let Some(name) = word.strip_prefix('@').filter(|n| !n.is_empty()) else {
            out.push(word.clone());
            continue;
        };
        let chain = || {
            stack
                .iter()
                .chain(std::iter::once(&name.to_owned()))
                .map(|n| format!("@{n}"))
                .collect::<Vec<_>>()
                .join(" -> ")
        };
        if stack.iter().any(|s| s == name) {
            return Err(format!("response file `{name}` includes itself: {}", chain()));
        }
        if stack.len() >= MAX_RESPONSE_DEPTH {
            return Err(format!("response files nest deeper than {MAX_RESPONSE_DEPTH} levels: {}", chain()));
        }
        let bytes = read(Path::new(name)).map_err(|e| format!("cannot open response file `{name}`: {e}"))?;
        let text = decode_response_file(name, &bytes)?;
        read_files.push(name.to_owned());
        stack.push(name.to_owned());
        expand_into(&tokenize(&text), read, read_files, stack, out)?;
        stack.pop();
    }
    Ok(())
}

/// `/name[:value]` or `-name[:value]`: (name in lower case, value), when `word` has an option's shape.
fn option(word: &str) -> Option<(String, Option<&str>)> {
    let body = word.strip_prefix(['/', '-'])?;
    let (name, value) = match body.split_once(':') {
        Some((n, v)) => (n, Some(v)),
        None => (body, None),
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return None;
    }
    Some((name.to_ascii_lowercase(), value))
}

/// Reads expanded link-line words (no `@file` left; see [`expand_response_files`]) into a [`LinkLine`], by the
/// flavor the line shows ([`parse_as`] with none given).
pub fn parse(words: &[String]) -> LinkLine {
    parse_as(words, None)
}

/// The program names that start a pasted linker command, and the flavor each implies.
fn linker_program(word: &str) -> Option<Flavor> {
    let base = word.rsplit(['/', '\\']).next().unwrap_or(word).to_ascii_lowercase();
    let base = base.strip_suffix(".exe").unwrap_or(&base);
    match base {
        "link" | "lld-link" => Some(Flavor::Msvc),
        "ld" | "ld.lld" | "ld.bfd" => Some(Flavor::Mingw),
        b if b.ends_with("-ld") || b.ends_with("-ld.lld") || b.ends_with("-ld.bfd") => Some(Flavor::Mingw),
        _ => None,
    }
}

/// [`parse`] with the flavor fixed (`--flavor`), or found from the line: a first word naming a linker
/// (`ld.lld`, `x86_64-w64-mingw32-ld`, `lld-link`, `link.exe`) is dropped and decides it; else any word only GNU
/// ld has (`-lkernel32`, `-L dir`, `-m i386pep`, `--whole-archive`) makes it MinGW's. Link.exe words: option
/// names case-insensitive with `/` or `-`, a word that is no option an input. GNU words: [`gnu`].
pub fn parse_as(words: &[String], flavor: Option<Flavor>) -> LinkLine {
    let mut words = words;
    let explicit = flavor.is_some();
    let mut reason = flavor.map(|f| format!("--flavor {}", f.name()));
    let mut flavor = flavor;
    // The syntax the program implies: ld's GNU words, lld-link's and link.exe's `/OPTION`s.
    let mut program_syntax = None;
    if let Some(first) = words.first()
        && let Some(program) = linker_program(first)
        && !Path::new(first).is_file()
    {
        words = &words[1..];
        program_syntax = Some(program);
        if flavor.is_none() {
            flavor = Some(program);
            reason = Some(format!("the command runs `{first}`"));
        }
    }
    // A `/OPTION` of link.exe's is never GNU ld's: such a line is link.exe's syntax whatever else it holds.
    let msvc_syntax = words.iter().any(|w| w.starts_with('/') && is_link_exe_option(w));
    let gnu_word = words.iter().find(|w| gnu::is_gnu_word(w, is_link_exe_option));
    if flavor.is_none()
        && !msvc_syntax
        && let Some(word) = gnu_word
    {
        flavor = Some(Flavor::Mingw);
        reason = Some(format!("`{word}` is GNU ld's syntax"));
    }
    // GNU words for a MinGW link unless the program or a `/OPTION` says link.exe's syntax (lld-link in its
    // MinGW mode, `--flavor mingw` on an lld-link line).
    let gnu_syntax = flavor == Some(Flavor::Mingw)
        && !msvc_syntax
        && program_syntax != Some(Flavor::Msvc)
        && (program_syntax == Some(Flavor::Mingw) || gnu_word.is_some() || words.is_empty());
    let mut line = if gnu_syntax {
        let mut line = LinkLine::default();
        gnu::parse(words, &mut line);
        line
    } else {
        parse_msvc(words)
    };
    // lld-link's MinGW mode, which ld.lld's MinGW driver runs: the same rules on link.exe's syntax.
    if !explicit && line.lld_mingw {
        flavor = Some(Flavor::Mingw);
        reason = Some("`-lldmingw` is lld-link's MinGW mode".to_owned());
    }
    line.flavor = flavor;
    line.flavor_reason = reason;
    line.gnu_syntax = gnu_syntax;
    if let Some(f) = flavor {
        line.options.flavor = f;
    }
    line
}

/// lld-link's options beyond link.exe's (lld/COFF/Options.td): its own `-lld*` family (`-lldmingw`,
/// `-lldemit:`, `-lldltojobs:`, ...), the `-lto-*` ones, `/lib` (lld-link as lib.exe), and the MinGW mode's
/// switches. None changes the prediction but `-lldmingw` and the two auto-import switches, read in
/// [`parse_msvc`].
fn lld_link_option(name: &str) -> bool {
    name.starts_with("lld")
        || name.starts_with("lto-")
        || matches!(
            name,
            "lib"
                | "auto-import"
                | "runtime-pseudo-reloc"
                | "demangle"
                | "dependentloadflag"
                | "errorlimit"
                | "exclude-all-symbols"
                | "export-all-symbols"
                | "kill-at"
                | "output-def"
                | "pdbaltpath"
                | "stdcall-fixup"
                | "includeoptional"
                | "wrap"
                | "thinlto-emit-imports-files"
                | "thinlto-index-only"
                | "thinlto-object-suffix-replace"
                | "thinlto-prefix-replace"
                | "reproduce"
                | "threads"
                | "time"
                | "color-diagnostics"
                | "build-id"
                | "call-graph-ordering-file"
                | "call-graph-profile-sort"
                | "print-symbol-order"
                | "exclude-symbols"
                | "noseh"
                | "wx"
        )
}

/// Whether `word` is an option link.exe has (modelled or not), in any case, with `/` or `-`.
fn is_link_exe_option(word: &str) -> bool {
    const MODELLED: &[&str] = &[
        "defaultlib",
        "nodefaultlib",
        "libpath",
        "machine",
        "wholearchive",
        "force",
        "alternatename",
        "include",
        "entry",
        "noentry",
        "subsystem",
        "dll",
    ];
    option(word)
        .is_some_and(|(name, _)| MODELLED.contains(&name.as_str()) || NOT_MODELLED.contains(&name.as_str()))
}

/// Link.exe's words into a [`LinkLine`].
fn parse_msvc(words: &[String]) -> LinkLine {
    let mut line = LinkLine::default();
    // An empty word (`""` in a response file, an empty `-Xlink=`) is nothing to lld-link.
    for word in words.iter().filter(|w| !w.is_empty()) {
        let Some((name, value)) = option(word) else {
            // `/tmp/x.obj`: not an option's shape (lld-link's OptTable takes an unknown `/` word as a path).
            if word.starts_with('-') {
                line.warnings.push(format!("`{word}` is not a link.exe option: ignored"));
            } else {
                line.inputs.push(word.clone());
            }
            continue;
        };
        let o = &mut line.options;
        let modelled = match (name.as_str(), value) {
            ("defaultlib", Some(lib)) => {
                o.default_libs.push(lib.to_owned());
                true
            }
            ("nodefaultlib", Some(lib)) => {
                o.no_default_libs.push(lib.to_owned());
                true
            }
            ("nodefaultlib", None) => {
                o.no_default_all = true;
                true
            }
            ("libpath", Some(dir)) => {
                line.lib_paths.push(dir.to_owned());
                true
            }
            ("machine", Some(m)) => {
                match crate::read::Machine::from_option(m) {
                    Some(machine) => o.machine = Some(machine),
                    None => {
                        line.warnings.push(format!("/MACHINE:{m} names no machine link.exe knows: ignored"))
                    }
                }
                true
            }
            ("wholearchive", Some(lib)) => {
                o.whole_archive.push(lib.to_owned());
                true
            }
            ("wholearchive", None) => {
                o.whole_archive_all = true;
                true
            }
            ("force", None) => {
                o.force_unresolved = true;
                o.force_multiple = true;
                true
            }
            ("force", Some(kind)) if kind.eq_ignore_ascii_case("unresolved") => {
                o.force_unresolved = true;
                true
            }
            ("force", Some(kind)) if kind.eq_ignore_ascii_case("multiple") => {
                o.force_multiple = true;
                true
            }
            ("alternatename", Some(pair)) if pair.contains('=') => {
                let (a, b) = pair.split_once('=').unwrap_or_default();
                o.alternate_names.push((a.to_owned(), b.to_owned()));
                true
            }
            ("include", Some(sym)) => {
                o.include.push(sym.to_owned());
                true
            }
            ("entry", Some(sym)) => {
                o.entry = Some(sym.to_owned());
                true
            }
            ("noentry", None) => {
                o.no_entry = true;
                true
            }
            ("subsystem", Some(s)) => {
                // `/SUBSYSTEM:CONSOLE,6.02`: the version does not matter here.
                o.subsystem = Some(s.split(',').next().unwrap_or(s).to_ascii_lowercase());
                true
            }
            ("dll", None) => {
                o.dll = true;
                true
            }
            ("lldmingw", None) => {
                line.lld_mingw = true;
                o.flavor = Flavor::Mingw;
                true
            }
            ("auto-import", v) => {
                o.no_auto_import = v.is_some_and(|v| v.eq_ignore_ascii_case("no"));
                true
            }
            ("runtime-pseudo-reloc", v) => {
                o.no_pseudo_relocs = v.is_some_and(|v| v.eq_ignore_ascii_case("no"));
                true
            }
            (n, _) if NOT_MODELLED.contains(&n) || lld_link_option(n) => {
                line.not_modelled.push(word.clone());
                continue;
            }
            _ => false,
        };
        if modelled {
            line.modelled.push(word.clone());
        } else if word.starts_with('/') && value.is_none() {
            // `/vendor` with no such option: lld-link would open it as a file.
            line.maybe_inputs.push(word.clone());
            line.inputs.push(word.clone());
        } else {
            line.warnings
                .push(format!("`{word}` is not a link.exe option doctor knows, or lacks its value: ignored"));
        }
    }
    line
}

/// The linker's program name in rustc's note: link.exe, lld-link, rust-lld (with `-flavor link`), any path.
fn is_linker(program: &str) -> bool {
    let base = program.rsplit(['/', '\\']).next().unwrap_or(program).to_ascii_lowercase();
    let base = base.strip_suffix(".exe").unwrap_or(&base);
    matches!(base, "link" | "lld-link" | "rust-lld")
}

/// One string as Rust's `Debug` writes it (`"C:\\dir\\a.obj"`, `\"`, `\u{..}`), starting at the quote at
/// `chars[*i]`; leaves `*i` after the closing quote. A raw line break inside is dropped (a terminal wrapped it).
fn debug_string(chars: &[char], i: &mut usize) -> Option<String> {
    let mut s = String::new();
    *i += 1;
    while *i < chars.len() {
        let c = chars[*i];
        *i += 1;
        match c {
            '"' => return Some(s),
            '\n' | '\r' => {}
            '\\' => {
                let e = *chars.get(*i)?;
                *i += 1;
                match e {
                    'n' => s.push('\n'),
                    'r' => s.push('\r'),
                    't' => s.push('\t'),
                    '0' => s.push('\0'),
                    'u' if chars.get(*i) == Some(&'{') => {
                        let end = chars[*i..].iter().position(|&c| c == '}')? + *i;
                        let hex: String = chars[*i + 1..end].iter().collect();
                        s.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                        *i = end + 1;
                    }
                    other => s.push(other),
                }
            }
            c => s.push(c),
        }
    }
    None
}

/// The arguments of the linker command in rustc's link-failure note (rustc_codegen_ssa's "linking with
/// `link.exe` failed"), as pasted from its output: `note: "link.exe" "/NOLOGO" ...` or, in newer rustc,
/// `  = note: "C:\\...\\link.exe" ...`, maybe after environment settings (`VSLANG="1033" ...`). Each argument is
/// a Rust `Debug` string. Returns the words after the program, and warnings for the arguments rustc left out
/// (`"<N object files omitted>"`, `<sysroot>` paths, `{libstd-*,...}` groups), which doctor cannot read.
pub fn rustc_note(text: &str) -> Result<(Vec<String>, Vec<String>), String> {
    let chars: Vec<char> = text.chars().collect();
    let mut search = 0;
    while let Some(found) = find(&chars, search, "note:") {
        search = found + 5;
        let mut i = search;
        let mut words = Vec::new();
        loop {
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            let start = i;
            // `NAME="value"`: an environment setting printed before the program.
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let env = i > start && chars.get(i) == Some(&'=') && words.is_empty();
            if env {
                i += 1;
            } else {
                i = start;
            }
            if chars.get(i) != Some(&'"') {
                break;
            }
            let Some(word) = debug_string(&chars, &mut i) else { break };
            if !env {
                words.push(word);
            }
        }
        let Some(program) = words.first() else { continue };
        if !is_linker(program) {
            continue;
        }
        let mut args = Vec::new();
        let mut warnings = Vec::new();
        for w in words.into_iter().skip(1) {
            if (w.starts_with('<') && w.ends_with('>'))
                || w.contains("<sysroot>")
                || (w.contains('{') && w.contains("*,"))
            {
                warnings.push(format!(
                    "rustc left `{w}` out of its note: doctor cannot read it; rustc's `--verbose` prints every argument"
                ));
            } else if w == "-flavor" || w == "link" && args.is_empty() {
                // rust-lld's `-flavor link` chooses lld-link; it is no argument of the link itself.
            } else {
                args.push(w);
            }
        }
        return Ok((args, warnings));
    }
    Err("no linker command found: expected rustc's `note: \"link.exe\" \"/NOLOGO\" ...` (or lld-link, rust-lld) with every argument double-quoted".to_owned())
}

fn find(chars: &[char], from: usize, needle: &str) -> Option<usize> {
    let needle: Vec<char> = needle.chars().collect();
    (from..chars.len().saturating_sub(needle.len() - 1)).find(|&i| chars[i..].starts_with(&needle))
}

/// Where link.exe looks for a file: the current directory, then each `/LIBPATH`, then each `LIB` entry.
#[derive(Clone, Debug)]
pub struct Search {
    /// The directories after the current one, in order, with how each was given (for the report).
    pub dirs: Vec<(PathBuf, String)>,
}

impl Search {
    /// `/LIBPATH` directories, then the `LIB` value (`;`-separated, on every host, as lld-link reads it).
    pub fn new(lib_paths: &[String], lib_env: Option<&str>) -> Search {
        let mut dirs: Vec<(PathBuf, String)> =
            lib_paths.iter().map(|d| (PathBuf::from(d), format!("/LIBPATH:{d}"))).collect();
        for entry in lib_env.unwrap_or("").split(';').filter(|e| !e.is_empty()) {
            dirs.push((PathBuf::from(entry), format!("LIB entry {entry}")));
        }
        Search { dirs }
    }

    /// The places searched, for an LNK1104 finding.
    pub fn described(&self) -> Vec<String> {
        std::iter::once("the current directory".to_owned())
            .chain(self.dirs.iter().map(|(_, d)| d.clone()))
            .collect()
    }

    /// An input as link.exe finds it (lld/COFF `LinkerDriver::findFile`): an absolute path as given; otherwise
    /// the first directory holding it, trying `name.obj` too when it has no extension; not found: as given.
    pub fn input(&self, name: &str) -> PathBuf {
        self.find(name, ".obj").unwrap_or_else(|| PathBuf::from(name))
    }

    /// A default library (`findLib`): `.lib` added to a name without extension, then searched as an input.
    pub fn library(&self, name: &str) -> Option<PathBuf> {
        let name = if name.contains('.') { name.to_owned() } else { format!("{name}.lib") };
        self.find(&name, "")
    }

    pub(crate) fn find(&self, name: &str, extension: &str) -> Option<PathBuf> {
        let path = Path::new(name);
        let candidates = |p: PathBuf| {
            let with = (!extension.is_empty() && !name.contains('.'))
                .then(|| PathBuf::from(format!("{}{extension}", p.display())));
            std::iter::once(p).chain(with)
        };
        if path.is_absolute() {
            return candidates(path.to_owned()).find(|p| p.is_file());
        }
        std::iter::once(PathBuf::new())
            .chain(self.dirs.iter().map(|(d, _)| d.clone()))
            .flat_map(|d| candidates(d.join(name)))
            .find(|p| p.is_file())
    }
}

/// What [`load`] found.
pub struct Loaded {
    /// The inputs, command line first, then the default libraries found along the search path.
    pub inputs: Vec<Input>,
    /// The options, with [`LinkOptions::searched`] and [`LinkOptions::flavor`] filled in.
    pub options: LinkOptions,
    /// Default libraries found by the search, as (name asked for, path).
    pub default_libraries: Vec<(String, String)>,
    /// MinGW `-l` libraries, as (`-lNAME`, the path found).
    pub libraries_found: Vec<(String, String)>,
    /// Why the link is read as [`LinkOptions::flavor`] says.
    pub flavor_reason: String,
    /// Words that were neither options nor files (`/vendor` where no such file exists).
    pub warnings: Vec<String>,
}

/// Names only MinGW's startup code and compilers use: an object referring to one (or defining a `.refptr.`
/// pointer, clang's and GCC's MinGW indirection for external data) was built for MinGW.
const MINGW_NAMES: &[&str] =
    &["__main", "___chkstk_ms", "__chkstk_ms", "_pei386_runtime_relocator", "__mingw_init_ehandler"];

/// The MinGW evidence among the command line's objects, as words for the report.
fn mingw_evidence(inputs: &[Input]) -> Option<String> {
    inputs.iter().filter(|i| !i.is_library).flat_map(|i| &i.members).find_map(|m| {
        if let Some(name) = m.references.iter().find(|r| MINGW_NAMES.contains(&r.as_str())) {
            return Some(format!("{} refers to `{name}`, which only MinGW's runtime defines", m.name));
        }
        m.defines
            .iter()
            .find(|d| d.starts_with(".refptr."))
            .map(|d| format!("{} defines `{d}`, a MinGW compiler's pointer to external data", m.name))
    })
}

/// Reads the inputs of `line` where the linker would find them, then every default library the linked members
/// ask for that the search finds (and those libraries' own, until none is new), as lld-link enqueues them after
/// the command line's inputs. `read` reads one input (the CLI compiles `.lw` modules in it).
///
/// link.exe's search is the current directory, each `/LIBPATH`, then `LIB`. A MinGW line's `-lNAME` is searched
/// as ld.lld does ([`gnu::search_library`]: the `-L` directories only); its default libraries are searched in the
/// current directory and the `-L` directories, as `NAME.lib` and then `libNAME.a`; `LIB` is not read (ld.lld 19
/// does not). When the line does not show its flavor, the objects do: MinGW's if one refers to a name only
/// MinGW's runtime defines (`__main`, `___chkstk_ms`, `_pei386_runtime_relocator`) or holds a `.refptr.`
/// pointer, else link.exe's.
pub fn load(
    line: &LinkLine,
    lib_env: Option<&str>,
    read: &mut dyn FnMut(&str, &Path) -> Result<Input, String>,
) -> Result<Loaded, String> {
    let gnu_line = line.gnu_syntax;
    let mut search = Search::new(&line.lib_paths, if gnu_line { None } else { lib_env });
    if gnu_line {
        for (dir, shown) in &mut search.dirs {
            *shown = format!("-L {}", dir.display());
        }
    }
    let mut options = line.options.clone();
    options.searched = search.described();
    let mut warnings = Vec::new();
    let mut inputs = Vec::new();
    let mut libraries_found = Vec::new();
    for (index, word) in line.inputs.iter().enumerate() {
        let path = match line.libraries.get(&index) {
            Some(&static_only) => {
                let name = word.strip_prefix("-l").unwrap_or(word);
                let path = gnu::search_library(name, &line.lib_paths, static_only)?;
                libraries_found.push((word.clone(), path.display().to_string()));
                path
            }
            None => search.input(word),
        };
        if line.maybe_inputs.contains(word) && !path.is_file() {
            warnings.push(format!("`{word}` is not a link.exe option doctor knows, nor a file: ignored"));
            continue;
        }
        let shown =
            if line.libraries.contains_key(&index) { path.display().to_string() } else { word.clone() };
        let input = read(&shown, &path)?;
        if line.whole_archive_inputs.contains(&index) && input.is_library {
            options.whole_archive.push(input.path.clone());
        }
        inputs.push(input);
    }
    let flavor_reason = match (&line.flavor_reason, mingw_evidence(&inputs)) {
        (Some(reason), _) => reason.clone(),
        (None, Some(evidence)) => {
            options.flavor = Flavor::Mingw;
            evidence
        }
        (None, None) => "nothing on the line or in its objects is MinGW's".to_owned(),
    };
    let mingw = options.flavor == Flavor::Mingw;
    // `/WHOLEARCHIVE` alone is for the command line's libraries, not the default ones lld-link adds later.
    if options.whole_archive_all {
        options.whole_archive_all = false;
        options.whole_archive.extend(inputs.iter().filter(|i| i.is_library).map(|i| i.path.clone()));
    }
    let mut default_libraries = Vec::new();
    let mut tried = std::collections::BTreeSet::new();
    loop {
        let mut added = false;
        for lib in wanted_default_libraries(&inputs, &options) {
            if !tried.insert(lib_key(&lib)) {
                continue;
            }
            let found = search.library(&lib).or_else(|| {
                let alternative = crate::predict::mingw_library_name(&lib).filter(|_| mingw)?;
                search.find(&alternative, "")
            });
            if let Some(path) = found {
                let shown = path.display().to_string();
                inputs.push(read(&shown, &path)?);
                default_libraries.push((lib, shown));
                added = true;
            }
        }
        if !added {
            break;
        }
    }
    Ok(Loaded { inputs, options, default_libraries, libraries_found, flavor_reason, warnings })
}

/// The link-line part of the human report: what was read, which options were modelled, which were not, and
/// where default libraries came from. Empty when the line holds nothing but inputs and options read before.
pub fn human(line: &LinkLine, loaded: &Loaded) -> String {
    let mut out = String::new();
    if !line.response_files.is_empty() {
        out += &format!(
            "  response files: {}\n",
            line.response_files.iter().map(|f| format!("@{f}")).collect::<Vec<_>>().join(" ")
        );
    }
    if line
        .modelled
        .iter()
        .any(|m| !matches!(option(m), Some((n, _)) if n == "defaultlib" || n == "nodefaultlib"))
    {
        out += &format!("  options modelled: {}\n", line.modelled.join(" "));
    }
    if !line.not_modelled.is_empty() {
        out += &format!("  options not affecting the prediction: {}\n", line.not_modelled.join(" "));
    }
    if loaded.options.flavor == Flavor::Mingw {
        out += &format!("  flavor: MinGW (ld.lld -m i386pep rules), as {}\n", loaded.flavor_reason);
    }
    for (lib, path) in &loaded.libraries_found {
        out += &format!("  {lib}: found at {path}\n");
    }
    for (lib, path) in &loaded.default_libraries {
        out += &format!("  default library {lib}: found at {path}\n");
    }
    if out.is_empty() { out } else { format!("link line:\n{out}\n") }
}

/// The same as JSON, for the report's `link_line` field.
pub fn json(line: &LinkLine, loaded: &Loaded) -> serde_json::Value {
    serde_json::json!({
        "response_files": line.response_files,
        "options_modelled": line.modelled,
        "options_not_affecting_prediction": line.not_modelled,
        "library_search": loaded.options.searched,
        "flavor_reason": loaded.flavor_reason,
        "libraries_found": loaded.libraries_found.iter().map(|(l, p)| serde_json::json!({"name": l, "path": p})).collect::<Vec<_>>(),
        "default_libraries_found": loaded.default_libraries.iter().map(|(l, p)| serde_json::json!({"name": l, "path": p})).collect::<Vec<_>>(),
        "warnings": line.warnings.iter().chain(&loaded.warnings).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &[&str]) -> Vec<String> {
        s.iter().map(|w| w.to_string()).collect()
    }

    /// The Windows quoting rules, one case each, as lld-link splits a response file.
    #[test]
    fn tokenize_follows_the_windows_rules() {
        let cases: [(&str, &[&str]); 9] = [
            ("a b\tc\r\nd", &["a", "b", "c", "d"]),
            (r#""C:\Program Files\x.lib" /OUT:"a b.exe""#, &[r"C:\Program Files\x.lib", "/OUT:a b.exe"]),
            (r#"a\\b c\d"#, &[r"a\\b", r"c\d"]),
            (r#""a\"b""#, &[r#"a"b"#]),
            (r#""a\\" b"#, &[r"a\", "b"]),
            (r#"a\\\"b"#, &[r#"a\"b"#]),
            (r#""say ""hi""" x"#, &[r#"say "hi""#, "x"]),
            (r#""" x"#, &["", "x"]),
            ("  \n ", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(tokenize(text), expected, "{text}");
        }
    }

    /// UTF-16LE with a byte-order mark (rustc's link.exe response files), UTF-8 with and without one.
    #[test]
    fn response_files_in_utf16_and_utf8() {
        let text = "\"C:\\ü dir\\a.obj\" /NOLOGO";
        let mut utf16 = vec![0xff, 0xfe];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode_response_file("r", &utf16).unwrap(), text);
        let mut bom = vec![0xef, 0xbb, 0xbf];
        bom.extend(text.as_bytes());
        assert_eq!(decode_response_file("r", &bom).unwrap(), text);
        assert!(decode_response_file("r", &[0xff, 0xfe, 0x41]).unwrap_err().contains("odd number"));
        assert!(decode_response_file("r", &[0xc3, 0x28]).unwrap_err().contains("neither UTF-8 nor UTF-16"));
    }

    /// Nested response files expand in place; a cycle and too deep a chain are errors naming the chain.
    #[test]
    fn nested_response_files_and_their_limits() {
        let files = |name: &Path| -> std::io::Result<Vec<u8>> {
            Ok(match name.to_str().unwrap() {
                "outer.rsp" => b"a.obj @inner.rsp \"c d.lib\"".to_vec(),
                "inner.rsp" => b"/NOLOGO b.obj".to_vec(),
                "loop1.rsp" => b"@loop2.rsp".to_vec(),
                "loop2.rsp" => b"@loop1.rsp".to_vec(),
                n if n.starts_with("deep") => {
                    let k: usize = n[4..n.len() - 4].parse().unwrap();
                    format!("@deep{}.rsp", k + 1).into_bytes()
                }
                _ => return Err(std::io::Error::new(std::io::ErrorKind::NotFound, "no such file")),
            })
        };
        let mut read = files;
        let mut seen = Vec::new();
        let out = expand_response_files(&words(&["x.obj", "@outer.rsp"]), &mut read, &mut seen).unwrap();
        assert_eq!(out, ["x.obj", "a.obj", "/NOLOGO", "b.obj", "c d.lib"]);
        assert_eq!(seen, ["outer.rsp", "inner.rsp"]);
        let e = expand_response_files(&words(&["@loop1.rsp"]), &mut read, &mut Vec::new()).unwrap_err();
        assert_eq!(e, "response file `loop1.rsp` includes itself: @loop1.rsp -> @loop2.rsp -> @loop1.rsp");
        let e = expand_response_files(&words(&["@deep0.rsp"]), &mut read, &mut Vec::new()).unwrap_err();
        assert!(e.starts_with("response files nest deeper than 32 levels: @deep0.rsp -> "), "{e}");
        let e = expand_response_files(&words(&["@missing.rsp"]), &mut read, &mut Vec::new()).unwrap_err();
        assert_eq!(e, "cannot open response file `missing.rsp`: no such file");
    }

    /// Options in any case with `/` or `-`; modelled ones fill the options, the rest are listed; Unix paths
    /// that start with `/` stay inputs; an unknown `-` option is a warning.
    #[test]
    fn options_modelled_listed_or_warned() {
        let line = parse(&words(&[
            "-nodefaultlib:msvcrt.lib",
            "/NOLOGO",
            "-OUT:x.exe",
            "/out:y.exe",
            "/tmp/dir/main.obj",
            "vendor.lib",
            "/LIBPATH:C:\\sdk",
            "/machine:X64",
            "/WholeArchive:vendor.lib",
            "/FORCE:unresolved",
            "/ALTERNATENAME:a=b",
            "/INCLUDE:sym",
            "/ENTRY:start",
            "/SUBSYSTEM:CONSOLE,6.02",
            "/DLL",
            "/DEFAULTLIB:kernel32",
            "/NODEFAULTLIB",
            "-frobnicate",
            "/debug:full",
            "/vendorlib",
        ]));
        assert_eq!(line.inputs, ["/tmp/dir/main.obj", "vendor.lib", "/vendorlib"]);
        assert_eq!(line.maybe_inputs, ["/vendorlib"]);
        assert_eq!(line.not_modelled, ["/NOLOGO", "-OUT:x.exe", "/out:y.exe", "/debug:full"]);
        assert_eq!(line.warnings.len(), 1);
        assert!(line.warnings[0].contains("-frobnicate"));
        let o = &line.options;
        assert_eq!(o.no_default_libs, ["msvcrt.lib"]);
        assert_eq!(o.default_libs, ["kernel32"]);
        assert!(o.no_default_all && o.dll && o.force_unresolved && !o.force_multiple);
        assert_eq!(line.lib_paths, ["C:\\sdk"]);
        assert_eq!(o.machine.map(|m| m.lld_name()).as_deref(), Some("x64"));
        assert_eq!(o.whole_archive, ["vendor.lib"]);
        assert_eq!(o.alternate_names, [("a".to_owned(), "b".to_owned())]);
        assert_eq!(o.include, ["sym"]);
        assert_eq!((o.entry.as_deref(), o.subsystem.as_deref()), (Some("start"), Some("console")));
        assert_eq!(line.modelled.len(), 12);
    }

    /// rustc's note as 1.95 prints it (`  = note: `, environment first, Debug-quoted arguments) and the older
    /// `note: "link.exe"` form; left-out arguments are warnings.
    #[test]
    fn the_rustc_note_is_read_back() {
        let note = "error: linking with `link.exe` failed: exit code: 1120\n  |\n  = note: VSLANG=\"1033\" \
            \"C:\\\\Program Files\\\\MSVC\\\\bin\\\\link.exe\" \"/NOLOGO\" \"C:\\\\t\\\\main.obj\" \
            \"<1 object files omitted>\" \"/OUT:C:\\\\t\\\\a \\\"b\\\".exe\" \"@C:\\\\t\\\\linker-arguments\"\n  \
            = note: some arguments are omitted. use `--verbose` to show all linker arguments\n";
        let (args, warnings) = rustc_note(note).unwrap();
        assert_eq!(
            args,
            ["/NOLOGO", "C:\\t\\main.obj", "/OUT:C:\\t\\a \"b\".exe", "@C:\\t\\linker-arguments"]
        );
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("<1 object files omitted>"));
        let (args, _) = rustc_note("note: \"lld-link\" \"-flavor\" \"x.obj\"").unwrap();
        assert_eq!(args, ["x.obj"]);
        assert!(rustc_note("note: \"cc\" \"-m64\"").is_err());
    }
}
