//! Predicting a link: resolve symbols over the inputs the way lld-link and link.exe do (inputs in command-line
//! order; objects are always linked; a library member is linked when it defines a symbol that is undefined,
//! whenever the reference comes; `__imp_X` is satisfied only by an import slot, never by a plain definition of
//! `X`), then report what would fail or warn, with the evidence and the fix.

use crate::crt::{self, Crt};
use crate::read::{Directive, Input, Member};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The link fails.
    Error,
    /// The link succeeds, but not as intended.
    Warning,
}

/// One predicted problem.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// The MSVC diagnostic it corresponds to (`LNK2019`, `LNK4217`, `LNK4098`, `LNK2038`, `LNK1104`, `LNK2005`).
    pub code: &'static str,
    /// Whether lld-link reports it (it says nothing about mixed C runtimes, for one).
    pub lld_reports: bool,
    /// One line: what goes wrong.
    pub title: String,
    /// The symbols involved, for tools.
    pub symbols: Vec<String>,
    /// Facts that show it: which member, which directive, which symbol.
    pub evidence: Vec<String>,
    /// What to do, in the user's terms.
    pub fixes: Vec<String>,
}

/// What the link would do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Links without diagnostics.
    Links,
    /// Links with warnings.
    Warns,
    /// Fails.
    Fails,
}

/// The options of the link that matter here.
#[derive(Clone, Debug, Default)]
pub struct LinkOptions {
    /// `/DEFAULTLIB:` given on the command line.
    pub default_libs: Vec<String>,
    /// `/NODEFAULTLIB:name`.
    pub no_default_libs: Vec<String>,
    /// `/NODEFAULTLIB` with no name: ignore every default library.
    pub no_default_all: bool,
    /// The C runtime the program itself is built for, if the user says (`--crt static|dynamic`).
    pub crt: Option<Crt>,
}

/// The prediction for one link.
#[derive(Clone, Debug)]
pub struct Prediction {
    /// Findings, errors first.
    pub findings: Vec<Finding>,
    /// Names of the members that would be linked, in load order.
    pub loaded: Vec<String>,
    /// The C runtime of each linked member that shows one.
    pub crt_modes: Vec<(String, crt::CrtEvidence)>,
}

impl Prediction {
    /// The outcome, counting every finding (link.exe's view).
    pub fn outcome(&self) -> Outcome {
        outcome(self.findings.iter())
    }

    /// The outcome counting only what lld-link reports.
    pub fn lld_outcome(&self) -> Outcome {
        outcome(self.findings.iter().filter(|f| f.lld_reports))
    }
}

fn outcome<'a>(findings: impl Iterator<Item = &'a Finding>) -> Outcome {
    let mut result = Outcome::Links;
    for f in findings {
        match f.severity {
            Severity::Error => return Outcome::Fails,
            Severity::Warning => result = Outcome::Warns,
        }
    }
    result
}

/// A member by (input, member) index.
type Id = (usize, usize);

/// The file name of a library as `/DEFAULTLIB` names it: lower case, `.lib` added when missing.
fn lib_key(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).to_ascii_lowercase();
    if base.contains('.') { base } else { format!("{base}.lib") }
}

const RUST_CRT_FIX: &str = "Rust: link the dynamic C runtime: RUSTFLAGS=\"-C target-feature=-crt-static\", or in \
     .cargo/config.toml `[target.x86_64-pc-windows-msvc] rustflags = [\"-C\", \"target-feature=-crt-static\"]`";
const CARGO_DIST_FIX: &str = "cargo-dist: set `msvc-crt-static = false` in dist-workspace.toml";

/// Predicts the link of `inputs` (in command-line order) with `options`: symbol resolution first, then one
/// phase per kind of finding, each reading what resolution linked.
pub fn predict(inputs: &[Input], options: &LinkOptions) -> Prediction {
    let links = resolve(inputs);
    let member = |id: Id| -> &Member { &inputs[id.0].members[id.1] };
    // C runtime of every linked member, and of the program when the user says.
    let crt_modes: Vec<(String, crt::CrtEvidence)> = links
        .loaded
        .iter()
        .filter_map(|&id| crt::infer(member(id)).map(|e| (member(id).name.clone(), e)))
        .collect();

    let mut findings = missing_default_libraries(inputs, &links, options);
    findings.extend(unresolved_symbols(inputs, &links, &crt_modes, options));
    findings.extend(duplicate_symbols(inputs, &links, &crt_modes));
    findings.extend(mismatched_values(inputs, &links));
    findings.extend(mixed_c_runtimes(&crt_modes, options));
    findings.sort_by_key(|f| f.severity);
    Prediction {
        findings,
        loaded: links.loaded.iter().map(|&id| member(id).name.clone()).collect(),
        crt_modes,
    }
}

/// What symbol resolution decided.
struct Links<'a> {
    /// Members linked, in the order lld-link loads them.
    loaded: Vec<Id>,
    /// The member whose definition each defined symbol has (the first one loaded).
    defined: HashMap<&'a str, Id>,
    /// Symbols only a library member defines, none of which was loaded for them: the member that would be.
    lazy: HashMap<&'a str, Id>,
    /// Symbols defined twice (outside COMDAT): the first definition and the second, in load order.
    duplicates: BTreeMap<&'a str, (Id, Id)>,
}

/// A name in lld-link's symbol table while inputs are read.
enum Symbol {
    /// Referenced, and nothing loaded or seen defines it.
    Undefined,
    /// Defined by a member of a library read earlier, not loaded (lld-link's `LazyArchive`). `requested`: a
    /// reference asked for that member; it is queued and this name is no reason to queue another.
    Lazy { member: Id, requested: bool },
    /// Defined by a loaded member; `comdat`: in a COMDAT section, so another COMDAT copy is no duplicate.
    Defined { member: Id, comdat: bool },
}

/// Symbol resolution as lld-link does it (lld/COFF `SymbolTable::addUndefined`, `addLazyArchive`, `addRegular`;
/// `LinkerDriver::enqueueArchiveMember`), checked against lld-link 19 in tests/doctor.rs:
///
/// - inputs are read in command-line order, from one first-in first-out queue;
/// - an object's definitions are added as it is read; defining a name that a loaded member already defines is a
///   duplicate (unless both are COMDAT), whatever the order of the two files;
/// - a library adds each symbol it defines as lazy, unless the name is defined or lazy already (the first
///   library wins); a name that is *undefined* when the library is read queues the member that defines it;
/// - a reference to a lazy name queues its member, whenever the reference comes;
/// - a queued member is loaded when the queue reaches it: *after* the inputs already queued.
///
/// Issue 7, defect 12: this used to link every object first and then the library members, so `m.obj v.lib v.obj`
/// (v.lib holding a copy of v.obj) linked in the prediction; lld-link loads `v.lib(v.obj)` for m.obj's reference
/// as soon as it reads v.lib, then reads v.obj: "duplicate symbol: lib_lower". With v.obj before v.lib, the name
/// is defined when v.lib is read and its member is never loaded.
fn resolve(inputs: &[Input]) -> Links<'_> {
    enum Task {
        Input(usize),
        Member(Id),
    }
    let member = |id: Id| -> &Member { &inputs[id.0].members[id.1] };
    let mut queue: VecDeque<Task> = (0..inputs.len()).map(Task::Input).collect();
    let mut symbols: HashMap<&str, Symbol> = HashMap::new();
    let mut queued: HashSet<Id> = HashSet::new();
    let mut links = Links {
        loaded: Vec::new(),
        defined: HashMap::new(),
        lazy: HashMap::new(),
        duplicates: BTreeMap::new(),
    };
    // lld-link queues each archive member once, however many names ask for it.
    let mut request = |id: Id, queue: &mut VecDeque<Task>| {
        if queued.insert(id) {
            queue.push_back(Task::Member(id));
        }
    };
    while let Some(task) = queue.pop_front() {
        let ids: Vec<Id> = match task {
            Task::Input(i) if inputs[i].is_library => {
                for (j, m) in inputs[i].members.iter().enumerate() {
                    for name in &m.defines {
                        match symbols.get_mut(name.as_str()) {
                            None => {
                                symbols.insert(name, Symbol::Lazy { member: (i, j), requested: false });
                            }
                            Some(symbol @ Symbol::Undefined) => {
                                *symbol = Symbol::Lazy { member: (i, j), requested: true };
                                request((i, j), &mut queue);
                            }
                            Some(Symbol::Lazy { .. } | Symbol::Defined { .. }) => {}
                        }
                    }
                }
                continue;
            }
            Task::Input(i) => (0..inputs[i].members.len()).map(|j| (i, j)).collect(),
            Task::Member(id) => vec![id],
        };
        for id in ids {
            links.loaded.push(id);
            let m = member(id);
            // A set, not `Vec::contains` per definition: C++ objects carry thousands of COMDAT definitions.
            let comdat: HashSet<&str> = m.comdat.iter().map(String::as_str).collect();
            for name in &m.defines {
                let here = Symbol::Defined { member: id, comdat: comdat.contains(name.as_str()) };
                match symbols.get_mut(name.as_str()) {
                    Some(Symbol::Defined { member: first, comdat: first_comdat }) => {
                        if !(*first_comdat && comdat.contains(name.as_str())) {
                            links.duplicates.entry(name).or_insert((*first, id));
                        }
                    }
                    Some(symbol) => *symbol = here,
                    None => {
                        symbols.insert(name, here);
                    }
                }
            }
            for name in &m.references {
                match symbols.get_mut(name.as_str()) {
                    None => {
                        symbols.insert(name, Symbol::Undefined);
                    }
                    Some(Symbol::Lazy { member, requested }) if !*requested => {
                        *requested = true;
                        request(*member, &mut queue);
                    }
                    Some(_) => {}
                }
            }
        }
    }
    for (name, symbol) in symbols {
        match symbol {
            Symbol::Defined { member, .. } => {
                links.defined.insert(name, member);
            }
            Symbol::Lazy { member, .. } => {
                links.lazy.insert(name, member);
            }
            Symbol::Undefined => {}
        }
    }
    links
}

/// Default libraries asked for by linked objects (and the command line) must be among the inputs: LNK1104.
fn missing_default_libraries(inputs: &[Input], links: &Links, options: &LinkOptions) -> Vec<Finding> {
    let member = |id: Id| -> &Member { &inputs[id.0].members[id.1] };
    let input_libs: BTreeSet<String> =
        inputs.iter().filter(|i| i.is_library).map(|i| lib_key(&i.path)).collect();
    let suppressed: BTreeSet<String> = options.no_default_libs.iter().map(|l| lib_key(l)).collect();
    let mut wanted: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for lib in &options.default_libs {
        wanted.entry(lib_key(lib)).or_default().push("the command line".to_owned());
    }
    for &id in &links.loaded {
        for d in &member(id).directives {
            if let Directive::DefaultLib(lib) = d {
                wanted.entry(lib_key(lib)).or_default().push(member(id).name.clone());
            }
        }
        for d in &member(id).directives {
            if let Directive::NoDefaultLib(None) = d {
                // An object may suppress all default libraries for the whole link.
                wanted.clear();
            }
        }
    }
    if options.no_default_all {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for (lib, askers) in &wanted {
        if input_libs.contains(lib) || suppressed.contains(lib) {
            continue;
        }
        let mut fixes =
            vec![format!("add `{lib}` to the link, or pass /NODEFAULTLIB:{lib} if nothing needs it")];
        if let Some(crt) = Crt::from_library(lib) {
            fixes.push(format!("`{lib}` is the {crt}; it comes with the Visual C++ build tools"));
        }
        findings.push(Finding {
            severity: Severity::Error,
            code: "LNK1104",
            lld_reports: true,
            title: format!("cannot open default library `{lib}`: it is not among the inputs"),
            symbols: Vec::new(),
            evidence: askers.iter().map(|a| format!("{a} asks for it with /DEFAULTLIB:{lib}")).collect(),
            fixes,
        });
    }
    findings
}

/// What stays undefined: LNK2019, or LNK4217 for an `__imp_` reference that a local definition satisfies.
fn unresolved_symbols(
    inputs: &[Input],
    links: &Links,
    crt_modes: &[(String, crt::CrtEvidence)],
    options: &LinkOptions,
) -> Vec<Finding> {
    let member = |id: Id| -> &Member { &inputs[id.0].members[id.1] };
    let mut unresolved: BTreeMap<&str, Vec<Id>> = BTreeMap::new();
    for &id in &links.loaded {
        for r in &member(id).references {
            if !links.defined.contains_key(r.as_str()) {
                unresolved.entry(r.as_str()).or_default().push(id);
            }
        }
    }
    // By member name, looked up for every user of every unresolved import: a map, not a scan.
    let crt_of: HashMap<&str, &crt::CrtEvidence> = crt_modes.iter().map(|(n, e)| (n.as_str(), e)).collect();
    let mut findings = Vec::new();
    for (symbol, users) in &unresolved {
        let user_names: Vec<String> = users.iter().map(|&u| member(u).name.clone()).collect();
        if let Some(target) = symbol.strip_prefix("__imp_") {
            findings.push(imported_but_not_imported(
                inputs,
                links,
                crt_modes,
                &crt_of,
                options,
                target,
                &user_names,
            ));
        } else {
            findings.push(undefined(symbol, &user_names, links.lazy.contains_key(symbol)));
        }
    }
    findings
}

/// Two linked non-COMDAT definitions of one symbol: LNK2005.
fn duplicate_symbols(
    inputs: &[Input],
    links: &Links,
    crt_modes: &[(String, crt::CrtEvidence)],
) -> Vec<Finding> {
    let member = |id: Id| -> &Member { &inputs[id.0].members[id.1] };
    links
        .duplicates
        .iter()
        .map(|(symbol, (a, b))| Finding {
            severity: Severity::Error,
            code: "LNK2005",
            lld_reports: true,
            title: format!("duplicate symbol: {symbol}"),
            symbols: vec![symbol.to_string()],
            // In lld-link's order: the definition loaded first, then the one that collided with it.
            evidence: vec![format!("defined in {}", member(*a).name), format!("and in {}", member(*b).name)],
            fixes: mixed_crt_hint(crt_modes),
        })
        .collect()
}

/// `/FAILIFMISMATCH`: one value per key across the link, or LNK2038.
fn mismatched_values(inputs: &[Input], links: &Links) -> Vec<Finding> {
    let member = |id: Id| -> &Member { &inputs[id.0].members[id.1] };
    let mut keys: BTreeMap<&str, BTreeMap<&str, Vec<String>>> = BTreeMap::new();
    for &id in &links.loaded {
        for d in &member(id).directives {
            if let Directive::FailIfMismatch(k, v) = d {
                keys.entry(k).or_default().entry(v).or_default().push(member(id).name.clone());
            }
        }
    }
    let mut findings = Vec::new();
    for (key, values) in keys.iter().filter(|(_, v)| v.len() > 1) {
        let evidence = values.iter().map(|(v, who)| format!("{key}={v} in {}", who.join(", "))).collect();
        let mut fixes = vec!["rebuild the inputs with one setting for it".to_owned()];
        if *key == "RuntimeLibrary" {
            fixes.push(
                "compile every object with the same C runtime flag (/MD everywhere, or /MT everywhere)"
                    .to_owned(),
            );
        }
        findings.push(Finding {
            severity: Severity::Error,
            code: "LNK2038",
            lld_reports: true,
            title: format!("mismatch detected for '{key}'"),
            symbols: Vec::new(),
            evidence,
            fixes,
        });
    }
    findings
}

/// Mixed C runtimes: link.exe warns (LNK4098); lld-link says nothing.
fn mixed_c_runtimes(crt_modes: &[(String, crt::CrtEvidence)], options: &LinkOptions) -> Option<Finding> {
    let mut all_modes = crt_modes.to_vec();
    if let Some(crt) = options.crt {
        all_modes
            .push(("the program (--crt)".to_owned(), crt::CrtEvidence { crt, evidence: "--crt".to_owned() }));
    }
    let (first_name, first) = all_modes.first()?;
    let conflicting: Vec<&(String, crt::CrtEvidence)> =
        all_modes.iter().filter(|(_, e)| !e.crt.compatible(first.crt)).collect();
    if conflicting.is_empty() {
        return None;
    }
    let mut evidence = vec![format!("{first_name}: {} ({})", first.crt, first.evidence)];
    evidence.extend(conflicting.iter().map(|(n, e)| format!("{n}: {} ({})", e.crt, e.evidence)));
    Some(Finding {
        severity: Severity::Warning,
        code: "LNK4098",
        lld_reports: false,
        title: "inputs were built for different C runtimes".to_owned(),
        symbols: Vec::new(),
        evidence,
        fixes: vec![
            "build every input with the same C runtime flag (/MD or /MT)".to_owned(),
            RUST_CRT_FIX.to_owned(),
            CARGO_DIST_FIX.to_owned(),
        ],
    })
}

fn undefined(symbol: &str, users: &[String], lazily_available: bool) -> Finding {
    let mut fixes = Vec::new();
    if symbol.starts_with("__std_") {
        fixes.push(
            "`__std_*` helpers come from the MSVC STL of Visual Studio 2022 17.13 or later (msvcprt.lib for /MD, \
             libcpmt.lib for /MT): build with a newer toolset, or rebuild the library with the one you link with"
                .to_owned(),
        );
    } else if !lazily_available {
        fixes.push(format!("add the library that defines `{symbol}`"));
    }
    Finding {
        severity: Severity::Error,
        code: "LNK2019",
        lld_reports: true,
        title: format!("undefined symbol: {symbol}"),
        symbols: vec![symbol.to_owned()],
        evidence: users.iter().map(|u| format!("referenced by {u}")).collect(),
        fixes,
    }
}

/// `__imp_X` is referenced (the code was compiled expecting X from a DLL) but no import library provides it.
fn imported_but_not_imported(
    inputs: &[Input],
    links: &Links,
    crt_modes: &[(String, crt::CrtEvidence)],
    crt_of: &HashMap<&str, &crt::CrtEvidence>,
    options: &LinkOptions,
    target: &str,
    users: &[String],
) -> Finding {
    let name = |id: Id| inputs[id.0].members[id.1].name.clone();
    let (lazy, defined) = (&links.lazy, &links.defined);
    let mut evidence: Vec<String> = users
        .iter()
        .map(|u| {
            let crt = crt_of.get(u.as_str()).map(|e| format!(", built for {} ({})", e.crt, e.evidence));
            format!("{u} calls it through `__imp_{target}` (dllimport){}", crt.unwrap_or_default())
        })
        .collect();
    let user_set: HashSet<&str> = users.iter().map(String::as_str).collect();
    let static_elsewhere =
        |(n, e): &&(String, crt::CrtEvidence)| !e.crt.dynamic && !user_set.contains(n.as_str());
    let program_static =
        options.crt.is_some_and(|c| !c.dynamic) || crt_modes.iter().any(|m| static_elsewhere(&m));
    // The other side of the mismatch: what the rest of the link was built for.
    if let Some(crt) = options.crt.filter(|c| !c.dynamic) {
        evidence.push(format!("the program uses the {crt} (--crt)"));
    }
    for (n, e) in crt_modes.iter().filter(static_elsewhere) {
        evidence.push(format!(
            "{n} was built for the {} ({}): this link uses the static C runtime",
            e.crt, e.evidence
        ));
    }
    let mut fixes = Vec::new();
    if crt::is_crt_function(target) || program_static {
        fixes.push(RUST_CRT_FIX.to_owned());
        fixes.push(CARGO_DIST_FIX.to_owned());
        fixes.push(format!("or rebuild {} with /MT, so it calls `{target}` directly", users.join(", ")));
    }
    if let Some(&id) = defined.get(target) {
        // lld-link and link.exe synthesize the import slot from the local definition: LNK4217.
        evidence.push(format!("`{target}` is defined statically in {}, which is linked", name(id)));
        return Finding {
            severity: Severity::Warning,
            code: "LNK4217",
            lld_reports: true,
            title: format!("locally defined symbol imported: {target}"),
            symbols: vec![format!("__imp_{target}"), target.to_owned()],
            evidence,
            fixes,
        };
    }
    if let Some(&id) = lazy.get(target) {
        evidence.push(format!(
            "`{target}` is defined only statically, in {}, and an `__imp_` reference does not pull that member in",
            name(id)
        ));
    } else {
        evidence.push(format!("nothing among the inputs defines `__imp_{target}` or `{target}`"));
    }
    if !crt::is_crt_function(target) && !program_static {
        fixes.push(format!("add the import library of the DLL that exports `{target}`"));
    }
    Finding {
        severity: Severity::Error,
        code: "LNK2019",
        lld_reports: true,
        title: format!("undefined symbol: __declspec(dllimport) {target}"),
        symbols: vec![format!("__imp_{target}")],
        evidence,
        fixes,
    }
}

fn mixed_crt_hint(modes: &[(String, crt::CrtEvidence)]) -> Vec<String> {
    let dynamic = modes.iter().any(|(_, e)| e.crt.dynamic);
    let static_ = modes.iter().any(|(_, e)| !e.crt.dynamic);
    if dynamic && static_ {
        vec![
            "the inputs mix the dynamic and static C runtimes; build every input with one (/MD or /MT)"
                .to_owned(),
        ]
    } else {
        vec!["keep one definition: remove one of the inputs, or make one definition local".to_owned()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(name: &str, defines: &[&str], references: &[&str]) -> Member {
        Member {
            name: name.to_owned(),
            defines: defines.iter().map(|s| s.to_string()).collect(),
            references: references.iter().map(|s| s.to_string()).collect(),
            ..Member::default()
        }
    }

    fn input(path: &str, is_library: bool, members: Vec<Member>) -> Input {
        Input { path: path.to_owned(), is_library, members }
    }

    /// The inputs of issue 7's defect 12: m.obj calls `lib_lower`, v.obj defines it, v.lib holds a copy.
    fn inputs(order: &str) -> Vec<Input> {
        order
            .split(' ')
            .map(|name| match name {
                "m.obj" => input(name, false, vec![object(name, &["mainCRTStartup"], &["lib_lower"])]),
                "v.obj" => input(name, false, vec![object(name, &["lib_lower"], &[])]),
                "v.lib" => input(name, true, vec![object("v.lib(v.obj)", &["lib_lower"], &[])]),
                other => panic!("{other}"),
            })
            .collect()
    }

    /// What lld-link 19 does with each order (tests/doctor.rs asks it again on real files): linked members in
    /// load order, and the duplicate's two definitions in its order.
    #[test]
    fn inputs_resolve_in_command_line_order_like_lld_link() {
        // (inputs, linked members, the duplicate's two definitions)
        type Case = (&'static str, &'static [&'static str], Option<[&'static str; 2]>);
        let cases: [Case; 6] = [
            ("m.obj v.lib v.obj", &["m.obj", "v.obj", "v.lib(v.obj)"], Some(["v.obj", "v.lib(v.obj)"])),
            ("v.lib m.obj v.obj", &["m.obj", "v.obj", "v.lib(v.obj)"], Some(["v.obj", "v.lib(v.obj)"])),
            ("m.obj v.obj v.lib", &["m.obj", "v.obj"], None),
            ("v.obj m.obj v.lib", &["v.obj", "m.obj"], None),
            ("v.obj v.lib m.obj", &["v.obj", "m.obj"], None),
            ("v.lib v.obj m.obj", &["v.obj", "m.obj"], None),
        ];
        for (order, loaded, duplicate) in cases {
            let p = predict(&inputs(order), &LinkOptions::default());
            assert_eq!(p.loaded, loaded, "{order}");
            let found: Vec<(&str, &[String])> =
                p.findings.iter().map(|f| (f.code, f.evidence.as_slice())).collect();
            match duplicate {
                Some([a, b]) => assert_eq!(
                    found,
                    [("LNK2005", &[format!("defined in {a}"), format!("and in {b}")][..])],
                    "{order}"
                ),
                None => assert!(found.is_empty(), "{order}: {found:?}"),
            }
        }
    }

    /// A member queued by a reference loads after the inputs queued before it; the first library defining a
    /// name is the one that provides it; a name undefined when a library is read loads that library's member.
    #[test]
    fn queue_order_and_first_library_wins() {
        let inputs = vec![
            input("m.obj", false, vec![object("m.obj", &[], &["a"])]),
            input("l1.lib", true, vec![object("l1.lib(a.obj)", &["a"], &["b"])]),
            input("l2.lib", true, vec![object("l2.lib(b.obj)", &["b"], &[])]),
            input("l3.lib", true, vec![object("l3.lib(b.obj)", &["b"], &[])]),
            input("y.obj", false, vec![object("y.obj", &["b"], &[])]),
        ];
        let p = predict(&inputs, &LinkOptions::default());
        assert_eq!(p.loaded, ["m.obj", "y.obj", "l1.lib(a.obj)"]);
        assert!(p.findings.is_empty(), "{:?}", p.findings);
        // Without y.obj, `b` is lazy in l2 (first) when l1's member references it.
        let p = predict(&[&inputs[..4]].concat(), &LinkOptions::default());
        assert_eq!(p.loaded, ["m.obj", "l1.lib(a.obj)", "l2.lib(b.obj)"]);
        // `b` referenced before any library is read: the first library read afterwards provides it, once.
        let inputs = vec![
            input("m.obj", false, vec![object("m.obj", &[], &["b"])]),
            input("l3.lib", true, vec![object("l3.lib(b.obj)", &["b"], &[])]),
            input("l2.lib", true, vec![object("l2.lib(b.obj)", &["b"], &[])]),
        ];
        assert_eq!(predict(&inputs, &LinkOptions::default()).loaded, ["m.obj", "l3.lib(b.obj)"]);
    }

    /// Two COMDAT copies of a name are one definition (C++ inline functions); a COMDAT and a plain one are not.
    #[test]
    fn comdat_copies_are_not_duplicates() {
        let with_comdat = |name: &str, comdat: bool| {
            let mut m = object(name, &["inline_f", &format!("own_{}", name.len())], &[]);
            if comdat {
                m.comdat = vec!["inline_f".to_owned()];
            }
            input(name, false, vec![m])
        };
        let codes = |inputs: &[Input]| -> Vec<&'static str> {
            predict(inputs, &LinkOptions::default()).findings.iter().map(|f| f.code).collect()
        };
        assert!(codes(&[with_comdat("a.obj", true), with_comdat("bb.obj", true)]).is_empty());
        assert_eq!(codes(&[with_comdat("a.obj", true), with_comdat("bb.obj", false)]), ["LNK2005"]);
        assert_eq!(codes(&[with_comdat("a.obj", false), with_comdat("bb.obj", true)]), ["LNK2005"]);
    }

    /// Many objects asking for one missing import, each showing its C runtime: every user is named with its
    /// runtime, found by name in a map (this was users × linked members, per symbol), and every member loads
    /// once (this was a scan of the loaded list per member).
    #[test]
    fn many_users_of_one_missing_import() {
        let n = 20_000;
        let objects: Vec<Input> = (0..n)
            .map(|i| {
                let name = format!("o{i}.obj");
                let mut m = object(&name, &[&format!("f{i}")], &["__imp_tolower"]);
                m.directives = vec![Directive::DefaultLib("msvcrt.lib".to_owned())];
                input(&name, false, vec![m])
            })
            .collect();
        let p = predict(&objects, &LinkOptions { no_default_all: true, ..LinkOptions::default() });
        assert_eq!(p.loaded.len(), n);
        let finding = p.findings.iter().find(|f| f.code == "LNK2019").expect("undefined __imp_tolower");
        assert_eq!(finding.title, "undefined symbol: __declspec(dllimport) tolower");
        let users: Vec<&String> =
            finding.evidence.iter().filter(|e| e.contains("calls it through")).collect();
        assert_eq!(users.len(), n);
        assert!(
            users[n - 1].starts_with(&format!(
                "o{}.obj calls it through `__imp_tolower` (dllimport), built for",
                n - 1
            ))
        );
    }
}
