//! What is known about an `__imp_X` reference that no import library satisfies: who asked for the import and
//! which C runtime each was built for, what the rest of the link was built for, and the fixes that follow.
//! LNK2019 (nothing provides `X` as an import) and LNK4217 (a local `X` does) both start from it.

use super::resolve::{Id, Resolution};
use super::{Fix, LinkOptions, Side, dynamic_crt_fixes};
use crate::crt::{self, CrtEvidence};
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
    pub(super) fn describe(&self, target: &str, users: &[Id]) -> DllImport {
        let users: Vec<&str> = users.iter().map(|&u| self.resolution.member(u).name.as_str()).collect();
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
        let program_static = self.options.crt.is_some_and(|c| !c.dynamic) || elsewhere > 0;
        if let Some(crt) = self.options.crt.filter(|c| !c.dynamic) {
            evidence.push(format!("the program uses the {crt} (--crt)"));
        }
        let others = self.static_members.iter().filter(|(n, _)| !user_set.contains(n));
        for (n, e) in others.take(STATIC_MEMBERS_SHOWN) {
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
        if crt::is_crt_function(target) || program_static {
            fixes.extend(dynamic_crt_fixes());
            fixes.push(Fix::new(
                "rebuild-static-crt",
                Side::Library,
                format!("or rebuild {} with /MT, so it calls `{target}` directly", users.join(", ")),
            ));
        }
        DllImport { evidence, fixes, program_static }
    }
}
