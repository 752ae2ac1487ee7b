//! What is known about an `__imp_X` reference that no import library satisfies: who asked for the import and
//! which C runtime each was built for, what the rest of the link was built for, and the fixes that follow.
//! LNK2019 (nothing provides `X` as an import) and LNK4217 (a local `X` does) both start from it.

use super::fixes::{self, Mismatch};
use super::resolve::{Id, Resolution};
use super::{Fix, LinkOptions, Side};
use crate::crt::{self, Crt, CrtEvidence};
use std::collections::{HashMap, HashSet};

/// The facts shared by every `__imp_` finding of one link, gathered once per check.
pub(super) struct DllImports<'r> {
    resolution: &'r Resolution<'r>,
    options: &'r LinkOptions,
    /// The C runtime of linked members by name, looked up for every user of every unresolved import: a map,
    /// not a scan (this was users × linked members, per symbol).
    crt_of: HashMap<&'r str, &'r CrtEvidence>,
    /// The linked members built for a static C runtime, in load order, found once: each finding names a few
    /// of them, so one with many unresolved imports stays linear.
    static_members: Vec<(&'r str, &'r CrtEvidence)>,
}

/// How many of the static-runtime members a finding names before it only counts the rest.
const STATIC_MEMBERS_SHOWN: usize = 3;

/// The evidence and fixes of one `__imp_X` reference, before the finding says what became of `X`.
pub(super) struct DllImport {
    /// Who calls through the slot, and the C runtime on each side.
    pub(super) evidence: Vec<String>,
    /// Fixes that hold whatever became of `X`.
    pub(super) fixes: Vec<Fix>,
    /// Whether the rest of the link uses the static C runtime (`--crt static`, or a linked `/MT` member
    /// that is not among the users).
    pub(super) program_static: bool,
}

impl<'r> DllImports<'r> {
    pub(super) fn new(resolution: &'r Resolution<'r>, options: &'r LinkOptions) -> DllImports<'r> {
        let crt_of = resolution.crt_modes.iter().map(|(n, e)| (n.as_str(), e)).collect();
        let static_members = resolution
            .crt_modes
            .iter()
            .filter(|(_, e)| !e.crt.dynamic)
            .map(|(n, e)| (n.as_str(), e))
            .collect();
        DllImports { resolution, options, crt_of, static_members }
    }

    /// The evidence for `__imp_{target}`, referenced by `users` (in load order).
    pub(super) fn describe(&self, target: &str, user_ids: &[Id]) -> DllImport {
        let r = self.resolution;
        let users: Vec<&str> = user_ids.iter().map(|&u| r.member(u).name.as_str()).collect();
        let mut evidence: Vec<String> = users
            .iter()
            .map(|u| {
                let crt = self.crt_of.get(u).map(|e| format!(", built for {} ({})", e.crt, e.evidence));
                format!("{u} calls it through `__imp_{target}` (dllimport){}", crt.unwrap_or_default())
            })
            .collect();
        let user_set: HashSet<&str> = users.iter().copied().collect();
        // The other side of the mismatch: what the rest of the link was built for. The users themselves are
        // not "the rest"; only they need looking up, so this costs the users plus the members shown.
        let static_users =
            user_set.iter().filter(|u| self.crt_of.get(*u).is_some_and(|e| !e.crt.dynamic)).count();
        let elsewhere = self.static_members.len().saturating_sub(static_users);
        let mut others = self.static_members.iter().filter(|(n, _)| !user_set.contains(n));
        // The program's runtime: `--crt`, or its own objects'; failing both, the static runtime the rest of
        // the link was built for (issue 12 item 4: the direction comes from the evidence).
        let program = fixes::program_crt(r, self.options)
            .or_else(|| (elsewhere > 0).then(|| others.clone().next().map(|(_, e)| e.crt)).flatten());
        let program_static = program.is_some_and(|c| !c.dynamic);
        if let Some(crt) = self.options.crt.filter(|c| !c.dynamic) {
            evidence.push(format!("the program uses the {crt} (--crt)"));
        }
        for (n, e) in others.by_ref().take(STATIC_MEMBERS_SHOWN) {
            evidence.push(format!(
                "{n} was built for the {} ({}): this link uses the static C runtime",
                e.crt, e.evidence
            ));
        }
        if elsewhere > STATIC_MEMBERS_SHOWN {
            evidence.push(format!(
                "and {} more inputs built for a static C runtime",
                elsewhere - STATIC_MEMBERS_SHOWN
            ));
        }
        let mut fixes = Vec::new();
        match program {
            // The program is static, the users want a DLL: rebuild them for the static runtime, or else the
            // program switches to the dynamic one.
            Some(program) if !program.dynamic => {
                let theirs = users
                    .iter()
                    .find_map(|u| self.crt_of.get(u).map(|e| e.crt).filter(|c| c.dynamic))
                    .unwrap_or(Crt { dynamic: true, debug: None });
                let mismatch = Mismatch {
                    inputs: users.clone(),
                    program_objects: !user_ids.iter().any(|&u| fixes::in_library(r, u)),
                    theirs,
                    program,
                    why: format!(", so it calls `{target}` directly"),
                };
                fixes.extend(fixes::crt_fixes(r, self.options, &mismatch));
            }
            // The program is dynamic (or says nothing) and a C runtime function is missing as an import: the
            // dynamic runtime's import libraries are not on the link; switching the program would be what it
            // already does.
            _ if crt::is_crt_function(target) => fixes.push(Fix::new(
                "add-import-library",
                Side::Program,
                format!(
                    "link the dynamic C runtime's import libraries, which export `{target}` (msvcrt.lib, \
                     ucrt.lib and vcruntime.lib; msvcrtd.lib, ucrtd.lib and vcruntimed.lib for /MDd): add them, \
                     or drop the /NODEFAULTLIB that keeps them out"
                ),
            )),
            _ => {}
        }
        DllImport { evidence, fixes, program_static }
    }
}
