//! GNU ld's link line, as ld.lld reads it for MinGW (`ld.lld -m i386pep`; issue 12, item 2): `-l` and `-L`,
//! `-Bstatic`/`-Bdynamic`, `--whole-archive`, `-e`, `-u`, `--require-defined`, the auto-import switches and
//! `-Xlink`, turned into the same [`LinkLine`] the link.exe reader fills; the rest of ld.lld's MinGW options
//! accepted and listed as not affecting the prediction. The option set and library search follow lld's MinGW
//! driver (lld/MinGW/Driver.cpp), which translates them into lld-link's before linking.

use super::LinkLine;
use crate::read::Machine;
use std::path::{Path, PathBuf};

/// ld.lld MinGW options that take their value as the next word (or after `=` for the long ones).
const WITH_VALUE: &[&str] = &[
    "-o",
    "--output",
    "-L",
    "--library-path",
    "-l",
    "--library",
    "-m",
    "-e",
    "--entry",
    "-u",
    "--undefined",
    "--require-defined",
    "--subsystem",
    "-Xlink",
    "--image-base",
    "--stack",
    "--heap",
    "--out-implib",
    "--output-def",
    "-Map",
    "--major-os-version",
    "--minor-os-version",
    "--major-subsystem-version",
    "--minor-subsystem-version",
    "--major-image-version",
    "--minor-image-version",
    "--file-alignment",
    "--section-alignment",
    "--error-limit",
    "-mllvm",
    "--wrap",
    "--defsym",
    "--exclude-symbols",
    "--delayload",
    "-plugin",
    "-plugin-opt",
    "--thinlto-cache-dir",
    "--dependent-load-flag",
    "--sysroot",
    "--build-id",
    "--icf",
    "--pdb",
    "--threads",
    "--version-script",
];

/// ld.lld MinGW options without a value that do not change what doctor predicts (output, image layout and
/// header fields, debug information, exports, diagnostics). `--start-group`/`--end-group` are here too:
/// ld.lld resolves a reference to a library read earlier whatever the order, so groups change nothing.
const NOT_MODELLED: &[&str] = &[
    "-s",
    "-S",
    "-v",
    "--verbose",
    "--version",
    "--strip-all",
    "--strip-debug",
    "--gc-sections",
    "--no-gc-sections",
    "--start-group",
    "--end-group",
    "-(",
    "-)",
    "--as-needed",
    "--no-as-needed",
    "--no-undefined",
    "--dynamicbase",
    "--disable-dynamicbase",
    "--high-entropy-va",
    "--disable-high-entropy-va",
    "--nxcompat",
    "--disable-nxcompat",
    "--tsaware",
    "--disable-tsaware",
    "--large-address-aware",
    "--no-insert-timestamp",
    "--insert-timestamp",
    "--enable-reloc-section",
    "--disable-reloc-section",
    "--demangle",
    "--no-demangle",
    "--kill-at",
    "--export-all-symbols",
    "--exclude-all-symbols",
    "--enable-stdcall-fixup",
    "--disable-stdcall-fixup",
    "--fatal-warnings",
    "--no-fatal-warnings",
    "--no-seh",
    "--disable-no-seh",
    "--guard-cf",
    "--no-guard-cf",
    "--guard-longjmp",
    "--no-guard-longjmp",
    "--appcontainer",
    "--color-diagnostics",
    "--no-color-diagnostics",
    "--Bsymbolic",
    "-pie",
    "--no-pie",
    "--exclude-libs",
    "--print-map",
    "--nmagic",
    "--omagic",
    "-O0",
    "-O1",
    "-O2",
    "-O3",
];

/// ld.lld's MinGW options without a value that change the prediction (read in [`parse`]).
const MODELLED: &[&str] = &[
    "-Bstatic",
    "-static",
    "-dn",
    "-non_shared",
    "-Bdynamic",
    "-dy",
    "-call_shared",
    "--Bstatic",
    "--Bdynamic",
    "--whole-archive",
    "--no-whole-archive",
    "-shared",
    "--shared",
    "--dll",
    "--allow-multiple-definition",
    "--disable-auto-import",
    "--enable-auto-import",
    "--disable-runtime-pseudo-reloc",
    "--enable-runtime-pseudo-reloc",
];

/// A long option written with one dash, as lld's option parser also takes them (`-entry=main`,
/// `-whole-archive`, `-disable-auto-import`): the same word with two, when that is one of ld.lld's long options.
/// Short options keep their one dash (`-e`, `-lfoo`).
fn with_two_dashes(word: &str) -> Option<String> {
    if word.starts_with("--") || !word.starts_with('-') {
        return None;
    }
    let long = format!("-{word}");
    let flag = long.split('=').next().unwrap_or(&long);
    let known = |list: &[&str]| list.iter().any(|f| f.starts_with("--") && *f == flag);
    (known(WITH_VALUE) || known(NOT_MODELLED) || known(MODELLED)).then_some(long)
}

/// ld.lld's emulations (`-m`) and the machine each links for.
fn emulation(name: &str) -> Option<Machine> {
    match name {
        "i386pep" => Machine::from_option("x64"),
        "i386pe" => Machine::from_option("x86"),
        "arm64pe" => Machine::from_option("arm64"),
        "thumb2pe" => Machine::from_option("arm"),
        _ => None,
    }
}

/// Whether `word` only makes sense on a GNU ld command line: what makes doctor read a line as MinGW's when no
/// `--flavor` says. Link.exe's options all have a name link.exe knows (`-libpath:`, `-machine:`), so `-lfoo`,
/// `-L dir`, `-o`, `-m i386pep`, `-Bstatic` or any `--option` are GNU ld's.
pub(super) fn is_gnu_word(word: &str, link_exe_option: impl Fn(&str) -> bool) -> bool {
    if word.starts_with("--") && word.len() > 2 {
        return true;
    }
    let Some(body) = word.strip_prefix('-') else { return false };
    if body.is_empty() || link_exe_option(word) {
        return false;
    }
    let flag = format!("-{}", body.split('=').next().unwrap_or(body));
    // Joined forms only for `-l`, `-L` and an emulation: `-usym` or `-emain` could be a mistyped link.exe word.
    ((body.starts_with('l') || body.starts_with('L')) && body.len() > 1)
        || body.strip_prefix('m').and_then(emulation).is_some()
        || WITH_VALUE.contains(&flag.as_str())
        || NOT_MODELLED.contains(&word)
        || matches!(
            word,
            "-static" | "-shared" | "-dn" | "-dy" | "-non_shared" | "-call_shared" | "-Bstatic" | "-Bdynamic"
        )
}

/// Reads GNU ld words into `line`: inputs (with `-l` names to search, [`LinkLine::libraries`]), the options that
/// change the prediction, and the rest listed.
pub(super) fn parse(words: &[String], line: &mut LinkLine) {
    let mut static_only = false;
    let mut whole = false;
    let mut i = 0;
    while i < words.len() {
        let word = with_two_dashes(&words[i]).unwrap_or_else(|| words[i].clone());
        let word = &word;
        i += 1;
        // `-lfoo`, `-l foo`, `--library=foo`, `--library foo`: the option and its value.
        let split = |word: &str| -> Option<(String, Option<String>)> {
            if let Some((flag, value)) = word.split_once('=')
                && (flag.starts_with("--") || WITH_VALUE.contains(&flag))
            {
                return Some((flag.to_owned(), Some(value.to_owned())));
            }
            if WITH_VALUE.contains(&word) {
                return Some((word.to_owned(), None));
            }
            // Joined short forms: `-lkernel32`, `-L/usr/lib`, `-mi386pep`, `-emain`, `-usym`.
            for short in ["-l", "-L", "-m", "-e", "-u", "-o"] {
                if let Some(value) = word.strip_prefix(short)
                    && !value.is_empty()
                    && !word.starts_with("--")
                    && !(short == "-m" && word == "-mllvm")
                {
                    return Some((short.to_owned(), Some(value.to_owned())));
                }
            }
            None
        };
        if !word.starts_with('-') || word == "-" {
            if whole {
                line.whole_archive_inputs.insert(line.inputs.len());
            }
            line.inputs.push(word.clone());
            continue;
        }
        if let Some((flag, inline)) = split(word) {
            let value = match inline {
                Some(v) => v,
                None => match words.get(i) {
                    Some(v) => {
                        i += 1;
                        v.clone()
                    }
                    None => {
                        line.warnings.push(format!("`{word}` needs a value: ignored"));
                        continue;
                    }
                },
            };
            let written = if word.contains('=') || word.len() > flag.len() {
                word.clone()
            } else {
                format!("{word} {value}")
            };
            let o = &mut line.options;
            let modelled = match flag.as_str() {
                "-l" | "--library" => {
                    if whole {
                        line.whole_archive_inputs.insert(line.inputs.len());
                    }
                    line.libraries.insert(line.inputs.len(), static_only);
                    line.inputs.push(format!("-l{value}"));
                    continue;
                }
                "-L" | "--library-path" => {
                    line.lib_paths.push(value);
                    true
                }
                "-m" => match emulation(&value) {
                    Some(m) => {
                        o.machine = Some(m);
                        true
                    }
                    None => {
                        line.warnings
                            .push(format!("-m {value} is no emulation ld.lld has for MinGW: ignored"));
                        continue;
                    }
                },
                "-e" | "--entry" => {
                    // For i386pe its underscore goes, once the last `-m` is known (below).
                    o.entry = Some(value);
                    true
                }
                "-u" | "--undefined" => {
                    o.include_optional.push(value);
                    true
                }
                "--require-defined" => {
                    o.include.push(value);
                    true
                }
                "--subsystem" => {
                    o.subsystem = Some(value.split(':').next().unwrap_or(&value).to_ascii_lowercase());
                    true
                }
                "-Xlink" => {
                    // An lld-link option passed through, read as link.exe's, and listed as that reading lists it.
                    let inner = super::parse_msvc(std::slice::from_ref(&value));
                    if !inner.modelled.is_empty() {
                        line.modelled.push(written);
                    } else if !inner.not_modelled.is_empty() {
                        line.not_modelled.push(written);
                    }
                    merge(line, inner);
                    continue;
                }
                _ => false,
            };
            if modelled {
                line.modelled.push(written);
            } else {
                line.not_modelled.push(written);
            }
            continue;
        }
        let o = &mut line.options;
        let modelled = match word.as_str() {
            "-Bstatic" | "--Bstatic" | "-static" | "-dn" | "-non_shared" => {
                static_only = true;
                true
            }
            "-Bdynamic" | "--Bdynamic" | "-dy" | "-call_shared" => {
                static_only = false;
                true
            }
            "--whole-archive" => {
                whole = true;
                true
            }
            "--no-whole-archive" => {
                whole = false;
                true
            }
            "-shared" | "--shared" | "--dll" => {
                o.dll = true;
                true
            }
            "--allow-multiple-definition" => {
                o.force_multiple = true;
                true
            }
            "--disable-auto-import" => {
                o.no_auto_import = true;
                true
            }
            "--enable-auto-import" => {
                o.no_auto_import = false;
                true
            }
            "--disable-runtime-pseudo-reloc" => {
                o.no_pseudo_relocs = true;
                true
            }
            "--enable-runtime-pseudo-reloc" => {
                o.no_pseudo_relocs = false;
                true
            }
            w if NOT_MODELLED.contains(&w) => {
                line.not_modelled.push(word.clone());
                continue;
            }
            _ => {
                line.warnings
                    .push(format!("`{word}` is not an ld.lld option for MinGW that doctor knows: ignored"));
                continue;
            }
        };
        if modelled {
            line.modelled.push(word.clone());
        }
    }
    // ld.lld's MinGW driver drops an i386pe entry name's underscore whatever the order of `-e` and `-m`;
    // lld-link adds it back (resolve.rs decorates x86 entry names).
    let o = &mut line.options;
    if o.machine.is_some()
        && o.machine == Machine::from_option("x86")
        && let Some(entry) = o.entry.as_mut()
        && let Some(plain) = entry.strip_prefix('_')
    {
        *entry = plain.to_owned();
    }
}

/// An lld-link option given through `-Xlink`: its effect joins the line's.
fn merge(line: &mut LinkLine, inner: LinkLine) {
    // Every field, by name: one added to `LinkOptions` does not compile here until it is merged.
    let crate::predict::LinkOptions {
        flavor: _,
        no_auto_import,
        no_pseudo_relocs,
        default_libs,
        no_default_libs,
        no_default_all,
        crt,
        machine,
        entry,
        no_entry,
        dll,
        subsystem,
        include,
        include_optional,
        alternate_names,
        whole_archive,
        whole_archive_all,
        force_unresolved,
        force_multiple,
        searched: _,
    } = inner.options;
    let o = &mut line.options;
    o.no_auto_import |= no_auto_import;
    o.no_pseudo_relocs |= no_pseudo_relocs;
    o.default_libs.extend(default_libs);
    o.no_default_libs.extend(no_default_libs);
    o.no_default_all |= no_default_all;
    o.crt = crt.or(o.crt);
    o.machine = machine.or(o.machine);
    o.entry = entry.or(o.entry.take());
    o.no_entry |= no_entry;
    o.dll |= dll;
    o.subsystem = subsystem.or(o.subsystem.take());
    o.include.extend(include);
    o.include_optional.extend(include_optional);
    o.alternate_names.extend(alternate_names);
    o.whole_archive.extend(whole_archive);
    o.whole_archive_all |= whole_archive_all;
    o.force_unresolved |= force_unresolved;
    o.force_multiple |= force_multiple;
    line.lib_paths.extend(inner.lib_paths);
    line.warnings.extend(inner.warnings);
    line.inputs.extend(inner.inputs);
}

/// `-lNAME` as ld.lld's MinGW driver finds it (`searchLibrary`), in each `-L` directory in order (not the
/// current directory, not `LIB`): `libNAME.dll.a`, `NAME.dll.a` (not under `-Bstatic`), `libNAME.a`, `NAME.lib`,
/// then `libNAME.dll`, `NAME.dll` (not under `-Bstatic`); `-l:FILE` is FILE itself. Not found: ld.lld's error,
/// with the directories searched.
pub fn search_library(name: &str, dirs: &[String], static_only: bool) -> Result<PathBuf, String> {
    let candidates: Vec<String> = match name.strip_prefix(':') {
        Some(exact) => vec![exact.to_owned()],
        None => {
            let mut c = Vec::new();
            if !static_only {
                c.extend([format!("lib{name}.dll.a"), format!("{name}.dll.a")]);
            }
            c.extend([format!("lib{name}.a"), format!("{name}.lib")]);
            if !static_only {
                c.extend([format!("lib{name}.dll"), format!("{name}.dll")]);
            }
            c
        }
    };
    for dir in dirs {
        for file in &candidates {
            let path = Path::new(dir).join(file);
            if path.is_file() {
                return Ok(path);
            }
        }
    }
    let searched = if dirs.is_empty() {
        "no -L directory was given".to_owned()
    } else {
        format!("searched {}", dirs.iter().map(|d| format!("-L {d}")).collect::<Vec<_>>().join(", "))
    };
    Err(format!("unable to find library -l{name} ({searched}; tried {})", candidates.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &[&str]) -> Vec<String> {
        s.iter().map(|w| w.to_string()).collect()
    }

    /// Every shape of the modelled options, library order and the static switch, `--whole-archive` ranges,
    /// `-Xlink`, listed and unknown options.
    #[test]
    fn gnu_words_are_read_as_ld_lld_reads_them() {
        let mut line = LinkLine::default();
        parse(
            &words(&[
                "-m",
                "i386pep",
                "-o",
                "a.exe",
                "crt2.o",
                "main.o",
                "-L/mingw/lib",
                "-L",
                "vendor",
                "-lvendor",
                "-Bstatic",
                "-l",
                "z",
                "-Bdynamic",
                "--whole-archive",
                "libw.a",
                "-lw2",
                "--no-whole-archive",
                "--library=kernel32",
                "-e",
                "main",
                "--require-defined=must",
                "-u",
                "maybe",
                "--disable-auto-import",
                "--disable-runtime-pseudo-reloc",
                "--allow-multiple-definition",
                "-Xlink=-nodefaultlib:msvcrt.lib",
                "--gc-sections",
                "--start-group",
                "--frobnicate",
                "--subsystem",
                "console:6.0",
            ]),
            &mut line,
        );
        assert_eq!(line.inputs, ["crt2.o", "main.o", "-lvendor", "-lz", "libw.a", "-lw2", "-lkernel32"]);
        assert_eq!(
            line.libraries.iter().map(|(&i, &s)| (i, s)).collect::<Vec<_>>(),
            [(2, false), (3, true), (5, false), (6, false)]
        );
        assert_eq!(line.whole_archive_inputs.iter().copied().collect::<Vec<_>>(), [4, 5]);
        assert_eq!(line.lib_paths, ["/mingw/lib", "vendor"]);
        let o = &line.options;
        assert_eq!(o.machine.map(|m| m.lld_name()).as_deref(), Some("x64"));
        assert_eq!((o.entry.as_deref(), o.subsystem.as_deref()), (Some("main"), Some("console")));
        assert_eq!(
            (o.include.as_slice(), o.include_optional.as_slice()),
            (&["must".to_owned()][..], &["maybe".to_owned()][..])
        );
        assert!(o.no_auto_import && o.no_pseudo_relocs && o.force_multiple);
        assert_eq!(o.no_default_libs, ["msvcrt.lib"]);
        assert_eq!(line.not_modelled, ["-o a.exe", "--gc-sections", "--start-group"]);
        assert_eq!(line.warnings.len(), 1, "{:?}", line.warnings);
        assert!(line.warnings[0].contains("--frobnicate"));
    }

    /// The search order of lld's MinGW driver, `-Bstatic` skipping import libraries, `-l:` exact, and the error.
    #[test]
    fn libraries_are_searched_in_ld_lld_order() {
        let dir = std::env::temp_dir().join(format!("linkwise-gnu-search-{}", std::process::id()));
        let (a, b) = (dir.join("a"), dir.join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        for (d, f) in [(&a, "libv.a"), (&b, "libv.dll.a"), (&a, "x.lib"), (&b, "exact.o")] {
            std::fs::write(d.join(f), b"").unwrap();
        }
        let dirs = [a.display().to_string(), b.display().to_string()];
        // Directory order first: a's libv.a wins over b's import library.
        assert_eq!(search_library("v", &dirs, false).unwrap(), a.join("libv.a"));
        let rev = [dirs[1].clone(), dirs[0].clone()];
        assert_eq!(search_library("v", &rev, false).unwrap(), b.join("libv.dll.a"));
        assert_eq!(search_library("v", &rev, true).unwrap(), a.join("libv.a"));
        assert_eq!(search_library("x", &dirs, false).unwrap(), a.join("x.lib"));
        assert_eq!(search_library(":exact.o", &dirs, false).unwrap(), b.join("exact.o"));
        let e = search_library("nosuch", &dirs, true).unwrap_err();
        assert!(e.starts_with("unable to find library -lnosuch ("), "{e}");
        assert!(e.contains("libnosuch.a, nosuch.lib)"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
