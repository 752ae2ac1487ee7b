//! Finding a library as the target's linker finds it, from the same `-L` directories the link driver passes
//! (crates/linkwise/src/link.rs): lld-link looks for `NAME.lib` in the current directory, each `/LIBPATH`
//! (`-L`) and each `LIB` entry; ld.lld's `-lNAME` takes `libNAME.so` before `libNAME.a` in each `-L`
//! directory; ld64's `-lNAME` takes `libNAME.tbd` or `libNAME.dylib` before `libNAME.a`. `+verbatim` names the
//! file exactly.

use crate::symbols::{self, Provides};
use linkwise_linkage::{Format, Target};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The directories a link searches, in order, with how each was given.
#[derive(Clone, Debug, Default)]
pub struct SearchPath {
    dirs: Vec<(PathBuf, String)>,
}

impl SearchPath {
    /// The search of a link for `target` with `-L` directories `dirs`: on COFF the current directory first and
    /// `lib_env` (`LIB`, `;`-separated) after them, as lld-link; elsewhere the `-L` directories, then
    /// `system` (the C library's directory the link driver adds for ld.lld, the SDK's `usr/lib` for ld64).
    pub fn new(
        target: &Target,
        dirs: &[PathBuf],
        lib_env: Option<&str>,
        system: Option<&Path>,
    ) -> SearchPath {
        let mut all = Vec::new();
        if target.format == Format::Coff {
            all.push((PathBuf::from("."), "the current directory".to_owned()));
        }
        all.extend(dirs.iter().map(|d| (d.clone(), format!("-L {}", d.display()))));
        if target.format == Format::Coff {
            for entry in lib_env.unwrap_or("").split(';').filter(|e| !e.is_empty()) {
                all.push((PathBuf::from(entry), format!("LIB entry {entry}")));
            }
        }
        if let Some(dir) = system {
            all.push((dir.to_owned(), format!("the system library directory {}", dir.display())));
        }
        SearchPath { dirs: all }
    }

    /// The places searched, for messages.
    pub fn describe(&self) -> String {
        if self.dirs.is_empty() {
            return "no directory (pass -L DIR)".to_owned();
        }
        self.dirs.iter().map(|(_, d)| d.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// The file names the linker tries for library `name`, in order.
    pub fn file_names(target: &Target, name: &str, verbatim: bool) -> Vec<String> {
        if verbatim {
            return vec![name.to_owned()];
        }
        match target.format {
            Format::Coff => vec![format!("{name}.lib")],
            Format::Elf => vec![format!("lib{name}.so"), format!("lib{name}.a")],
            Format::MachO => {
                vec![format!("lib{name}.tbd"), format!("lib{name}.dylib"), format!("lib{name}.a")]
            }
        }
    }

    /// Library `name`, the first file the linker would open; else the file names tried. `archive`: the
    /// link driver passes the static archive itself (a `+whole-archive` static library, crates/linkwise's
    /// bundle.rs), so only archive names are looked for.
    pub fn find(
        &self,
        target: &Target,
        name: &str,
        archive: bool,
        verbatim: bool,
    ) -> Result<PathBuf, Vec<String>> {
        let names = if archive {
            target.static_library_file_names(name, verbatim)
        } else {
            Self::file_names(target, name, verbatim)
        };
        // ld.lld and ld64 try every name in one directory before the next; so does lld-link's single name.
        for (dir, _) in &self.dirs {
            for file in &names {
                let path = dir.join(file);
                if path.is_file() {
                    return Ok(path);
                }
            }
        }
        Err(names)
    }

    /// The libraries of the search directories that provide each of `names`, read in search order (each
    /// directory's files by name) and stopping after the directory in which the last of them was found; files
    /// in `skip` (already read) are left out. Returns the providers by name and how many files were read.
    pub fn find_providers(
        &self,
        target: &Target,
        names: &HashSet<String>,
        skip: &[PathBuf],
    ) -> (HashMap<String, Vec<(PathBuf, Provides)>>, usize) {
        let mut found: HashMap<String, Vec<(PathBuf, Provides)>> = HashMap::new();
        let mut read = 0;
        for (dir, _) in &self.dirs {
            let Ok(entries) = std::fs::read_dir(dir) else { continue };
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_library_file(target, p) && !skip.contains(p))
                .collect();
            files.sort();
            for path in files {
                let Ok(lib) = symbols::read_names(&path, symbols::Names::Only(names)) else { continue };
                read += 1;
                for (name, p) in lib.names {
                    found.entry(name).or_default().push((path.clone(), p));
                }
            }
            if found.len() == names.len() {
                break;
            }
        }
        (found, read)
    }
}

/// Whether `path` is named like a library for `target`'s linker.
fn is_library_file(target: &Target, path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match target.format {
        Format::Coff => name.ends_with(".lib") || name.ends_with(".a"),
        Format::Elf => name.ends_with(".a") || name.ends_with(".so") || name.contains(".so."),
        Format::MachO => name.ends_with(".tbd") || name.ends_with(".dylib") || name.ends_with(".a"),
    }
}
