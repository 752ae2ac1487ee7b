//! Finding a library as the target's linker finds it, from the same `-L` directories the link driver passes
//! (crates/linkwise/src/link.rs): lld-link looks for `NAME.lib` in the current directory, each `/LIBPATH`
//! (`-L`) and each `LIB` entry; ld.lld's `-lNAME` takes `libNAME.so` before `libNAME.a` in each `-L`
//! directory; ld64's `-lNAME` takes `libNAME.tbd` or `libNAME.dylib` before `libNAME.a`. `+verbatim` names the
//! file exactly.

use crate::symbols::{self, Library};
use linkwise_ir::LinkKind;
use linkwise_linkage::{Format, Target};
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

    /// Library `name` (of `kind`, which does not change the search: the same `NAME.lib` or `-lNAME`), the
    /// first file the linker would open; else the file names tried.
    pub fn find(
        &self,
        target: &Target,
        name: &str,
        _kind: LinkKind,
        verbatim: bool,
    ) -> Result<PathBuf, Vec<String>> {
        let names = Self::file_names(target, name, verbatim);
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

    /// Every library file of the search directories, read (those that cannot be read are left out), in
    /// directory order and by name: where a symbol missing from the link's libraries is looked for.
    pub fn all_libraries(&self, target: &Target, names: symbols::Names<'_>) -> Vec<Library> {
        let mut out = Vec::new();
        for (dir, _) in &self.dirs {
            let Ok(entries) = std::fs::read_dir(dir) else { continue };
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_library_file(target, p))
                .collect();
            files.sort();
            out.extend(files.iter().filter_map(|p| symbols::read_names(p, names).ok()));
        }
        out
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
