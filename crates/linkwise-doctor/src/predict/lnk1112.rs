//! LNK1112: a linked module built for another machine than the link's (an x64 object with an arm64 library
//! member). lld-link: "file: machine type arm64 conflicts with x64", once per module, after which it stops;
//! link.exe: "fatal error LNK1112: module machine type 'ARM64' conflicts with target machine type 'x64'".

use super::resolve::Resolution;
use super::{Finding, Fix, LinkOptions, Severity, Side, location};

/// Every linked module whose machine the link's does not accept, in load order. The link's machine is
/// `/MACHINE:`, else that of the first linked object that names one, as lld-link sets it from the first file
/// it adds (library members count when they load; members nothing loads are never checked, by either linker).
/// lld-link 19 does not check import members (an arm64 import library links into an x64 program, tried in
/// tests/doctor_report.rs); link.exe does, so those findings are marked as not reported by lld-link.
pub(super) fn machine_conflicts(r: &Resolution<'_>, options: &LinkOptions) -> Vec<Finding> {
    let first =
        r.loaded.iter().find(|&&id| r.member(id).import.is_none() && r.member(id).machine.is_some()).copied();
    let (target, decided_by) = match (options.machine, first) {
        (Some(m), _) => (m, None),
        (None, Some(id)) => match r.member(id).machine {
            Some(m) => (m, Some(id)),
            None => return Vec::new(),
        },
        (None, None) => return Vec::new(),
    };
    let mut findings = Vec::new();
    for &id in &r.loaded {
        let member = r.member(id);
        let Some(machine) = member.machine.filter(|&m| !target.accepts(m)) else { continue };
        let (theirs, ours) = (machine.lld_name(), target.lld_name());
        // Named as lld-link names it (a member by its library's file name), so the title is its exact line.
        let at = location(r, id);
        let mut f = Finding::new(
            Severity::Error,
            "LNK1112",
            format!("{}: machine type {theirs} conflicts with {ours}", at.lld_display()),
        );
        f.lld_reports = member.import.is_none();
        f.files.push(at);
        f.evidence.push(format!("{} is built for {theirs} (the machine field of its header)", member.name));
        match decided_by {
            Some(first) => {
                f.files.push(location(r, first));
                f.evidence.push(format!(
                    "the link is for {ours}: {} is the first object read, and it is {ours}",
                    r.member(first).name
                ));
            }
            None => f.evidence.push(format!("the link is for {ours} (/MACHINE:{})", target.link_exe_name())),
        }
        if member.import.is_some() {
            f.evidence.push(
                "it is an import library member: link.exe rejects it, lld-link 19 takes it without a word"
                    .to_owned(),
            );
        }
        f.link_exe = vec![format!(
            "{} : fatal error LNK1112: module machine type '{}' conflicts with target machine type '{}'",
            member.name,
            machine.link_exe_name(),
            target.link_exe_name()
        )];
        f.fixes = vec![
            Fix::new(
                "same-machine",
                Side::Library,
                format!("link the {ours} build of {} (or rebuild it for {ours})", member.name),
            ),
            Fix::new(
                "target-machine",
                Side::Program,
                format!(
                    "or build the program for {theirs} (/MACHINE:{}), with {theirs} builds of every other input",
                    machine.link_exe_name()
                ),
            ),
        ];
        findings.push(f);
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::resolve::resolve;
    use crate::read::{Input, Machine};
    use crate::testing::{Coff, import_library, library_input, object_input};

    const ARM64: Machine = Machine(0xaa64);
    const X64: Machine = Machine(0x8664);

    /// An input whose members are all set to `machine` (the writer makes x64 objects; the header is the
    /// only place the machine is read from, tested against clang's objects in tests/doctor_report.rs).
    fn for_machine(mut input: Input, machine: Machine) -> Input {
        for m in &mut input.members {
            m.machine = Some(machine);
        }
        input
    }

    /// x64 main.obj, an arm64 member loaded for its `lib_lower`, and an arm64 member nothing loads.
    #[test]
    fn a_loaded_member_for_another_machine() {
        let inputs = [
            object_input("main.obj", &Coff::new().define(&["main"]).reference(&["lib_lower"])),
            for_machine(
                library_input("vendor.lib", &[("vendor.obj", &Coff::new().define(&["lib_lower"]))]),
                ARM64,
            ),
            for_machine(
                library_input("unused.lib", &[("unused.obj", &Coff::new().define(&["unused"]))]),
                ARM64,
            ),
        ];
        assert_eq!(inputs[0].members[0].machine, Some(X64), "read from the header object::write wrote");
        let findings = machine_conflicts(&resolve(&inputs), &LinkOptions::default());
        let [f] = &findings[..] else { panic!("{findings:?}") };
        assert_eq!(f.title, "vendor.lib(vendor.obj): machine type arm64 conflicts with x64");
        assert!(f.lld_reports);
        assert_eq!(
            f.link_exe,
            [
                "vendor.lib(vendor.obj) : fatal error LNK1112: module machine type 'ARM64' conflicts with target machine type 'x64'"
            ]
        );
        assert_eq!(
            f.evidence,
            [
                "vendor.lib(vendor.obj) is built for arm64 (the machine field of its header)",
                "the link is for x64: main.obj is the first object read, and it is x64",
            ]
        );
        let files: Vec<String> = f.files.iter().map(|l| l.display()).collect();
        assert_eq!(files, ["vendor.lib(vendor.obj)", "main.obj"]);
        assert_eq!(
            f.fixes.iter().map(|f| (f.kind, f.side)).collect::<Vec<_>>(),
            [("same-machine", Side::Library), ("target-machine", Side::Program)]
        );
        // /MACHINE:ARM64 decides instead: now main.obj is the one that conflicts.
        let options = LinkOptions { machine: Some(ARM64), ..LinkOptions::default() };
        let findings = machine_conflicts(&resolve(&inputs), &options);
        let titles: Vec<&str> = findings.iter().map(|f| f.title.as_str()).collect();
        assert_eq!(titles, ["main.obj: machine type x64 conflicts with arm64"]);
        assert_eq!(findings[0].evidence[1], "the link is for arm64 (/MACHINE:ARM64)");
    }

    /// The whole prediction: lld-link stops at the conflict, so the undefined symbols it would have found
    /// are not predicted beside it; an import member for another machine is link.exe's error only.
    #[test]
    fn a_conflict_is_the_only_finding_and_import_members_are_link_exe_s() {
        let inputs = [
            object_input("main.obj", &Coff::new().define(&["main"]).reference(&["lib_lower", "missing"])),
            for_machine(
                library_input("vendor.lib", &[("vendor.obj", &Coff::new().define(&["lib_lower"]))]),
                ARM64,
            ),
        ];
        let p = crate::predict(&inputs, &LinkOptions::default());
        let codes: Vec<&str> = p.findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["LNK1112"]);
        let imports = [
            object_input("main.obj", &Coff::new().define(&["main"]).reference(&["__imp_tolower"])),
            for_machine(
                crate::read_bytes("msvcrt.lib", &import_library("msvcrt.dll", &["tolower"])).unwrap(),
                ARM64,
            ),
        ];
        let p = crate::predict(&imports, &LinkOptions::default());
        let [f] = &p.findings[..] else { panic!("{:?}", p.findings) };
        assert_eq!((f.code, f.lld_reports), ("LNK1112", false));
        assert_eq!((p.outcome(), p.lld_outcome()), (crate::Outcome::Fails, crate::Outcome::Links));
    }
}
