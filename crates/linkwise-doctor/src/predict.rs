//! Predicting a link: resolve symbols over the inputs the way lld-link and link.exe do (objects are always
//! linked; a library member is linked when it defines a symbol that is still undefined; `__imp_X` is satisfied
//! only by an import slot, never by a plain definition of `X`), then report what would fail or warn, with the
//! evidence and the fix.

use crate::crt::{self, Crt};
use crate::read::{Directive, Input, Member};
use std::collections::{BTreeMap, BTreeSet, HashMap};

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

/// Predicts the link of `inputs` (in command-line order) with `options`.
pub fn predict(inputs: &[Input], options: &LinkOptions) -> Prediction {
    let member = |id: Id| -> &Member { &inputs[id.0].members[id.1] };
    let mut findings = Vec::new();

    // Lazy definitions: the first library (in command-line order) defining a symbol provides it.
    let mut lazy: HashMap<&str, Id> = HashMap::new();
    for (i, input) in inputs.iter().enumerate().filter(|(_, input)| input.is_library) {
        for (j, m) in input.members.iter().enumerate() {
            for d in &m.defines {
                lazy.entry(d.as_str()).or_insert((i, j));
            }
        }
    }

    let mut defined: HashMap<&str, Id> = HashMap::new();
    let mut loaded: Vec<Id> = Vec::new();
    let mut queue: Vec<Id> = inputs
        .iter()
        .enumerate()
        .filter(|(_, input)| !input.is_library)
        .flat_map(|(i, input)| (0..input.members.len()).map(move |j| (i, j)))
        .collect();
    queue.reverse();
    let mut duplicates: BTreeMap<String, (Id, Id)> = BTreeMap::new();
    loop {
        while let Some(id) = queue.pop() {
            if loaded.contains(&id) {
                continue;
            }
            loaded.push(id);
            let m = member(id);
            for d in &m.defines {
                match defined.get(d.as_str()) {
                    None => {
                        defined.insert(d, id);
                    }
                    Some(&first) => {
                        let both_comdat = member(first).comdat.contains(d) && m.comdat.contains(d);
                        if !both_comdat {
                            duplicates.entry(d.clone()).or_insert((first, id));
                        }
                    }
                }
            }
        }
        // Load the members that define what is still undefined, in the order references appear.
        let mut next = Vec::new();
        for &id in &loaded {
            for r in &member(id).references {
                if defined.contains_key(r.as_str()) {
                    continue;
                }
                if let Some(&provider) = lazy.get(r.as_str())
                    && !loaded.contains(&provider)
                    && !next.contains(&provider)
                {
                    next.push(provider);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        next.reverse();
        queue = next;
    }

    // Default libraries asked for by linked objects (and the command line) must be among the inputs.
    let input_libs: BTreeSet<String> =
        inputs.iter().filter(|i| i.is_library).map(|i| lib_key(&i.path)).collect();
    let suppressed: BTreeSet<String> = options.no_default_libs.iter().map(|l| lib_key(l)).collect();
    let mut wanted: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for lib in &options.default_libs {
        wanted.entry(lib_key(lib)).or_default().push("the command line".to_owned());
    }
    for &id in &loaded {
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
    if !options.no_default_all {
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
    }

    // C runtime of every linked member, and of the program when the user says.
    let crt_modes: Vec<(String, crt::CrtEvidence)> = loaded
        .iter()
        .filter_map(|&id| crt::infer(member(id)).map(|e| (member(id).name.clone(), e)))
        .collect();

    // What stays undefined.
    let mut unresolved: BTreeMap<&str, Vec<Id>> = BTreeMap::new();
    for &id in &loaded {
        for r in &member(id).references {
            if !defined.contains_key(r.as_str()) {
                unresolved.entry(r.as_str()).or_default().push(id);
            }
        }
    }
    for (symbol, users) in &unresolved {
        let user_names: Vec<String> = users.iter().map(|&u| member(u).name.clone()).collect();
        if let Some(target) = symbol.strip_prefix("__imp_") {
            findings.push(imported_but_not_imported(
                inputs,
                &lazy,
                &defined,
                &crt_modes,
                options,
                target,
                &user_names,
            ));
        } else {
            findings.push(undefined(symbol, &user_names, lazy.contains_key(symbol)));
        }
    }

    for (symbol, (a, b)) in &duplicates {
        findings.push(Finding {
            severity: Severity::Error,
            code: "LNK2005",
            lld_reports: true,
            title: format!("duplicate symbol: {symbol}"),
            symbols: vec![symbol.clone()],
            evidence: vec![format!("defined in {}", member(*a).name), format!("and in {}", member(*b).name)],
            fixes: mixed_crt_hint(&crt_modes),
        });
    }

    // /FAILIFMISMATCH: one value per key across the link.
    let mut keys: BTreeMap<&str, BTreeMap<&str, Vec<String>>> = BTreeMap::new();
    for &id in &loaded {
        for d in &member(id).directives {
            if let Directive::FailIfMismatch(k, v) = d {
                keys.entry(k).or_default().entry(v).or_default().push(member(id).name.clone());
            }
        }
    }
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

    // Mixed C runtimes: link.exe warns (LNK4098); lld-link says nothing.
    let mut all_modes = crt_modes.clone();
    if let Some(crt) = options.crt {
        all_modes
            .push(("the program (--crt)".to_owned(), crt::CrtEvidence { crt, evidence: "--crt".to_owned() }));
    }
    if let Some((first_name, first)) = all_modes.first() {
        let conflicting: Vec<&(String, crt::CrtEvidence)> =
            all_modes.iter().filter(|(_, e)| !e.crt.compatible(first.crt)).collect();
        if !conflicting.is_empty() {
            let mut evidence = vec![format!("{first_name}: {} ({})", first.crt, first.evidence)];
            evidence.extend(conflicting.iter().map(|(n, e)| format!("{n}: {} ({})", e.crt, e.evidence)));
            findings.push(Finding {
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
            });
        }
    }

    findings.sort_by_key(|f| f.severity);
    Prediction { findings, loaded: loaded.iter().map(|&id| member(id).name.clone()).collect(), crt_modes }
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
    lazy: &HashMap<&str, Id>,
    defined: &HashMap<&str, Id>,
    crt_modes: &[(String, crt::CrtEvidence)],
    options: &LinkOptions,
    target: &str,
    users: &[String],
) -> Finding {
    let name = |id: Id| inputs[id.0].members[id.1].name.clone();
    let mut evidence: Vec<String> = users
        .iter()
        .map(|u| {
            let crt = crt_modes
                .iter()
                .find(|(n, _)| n == u)
                .map(|(_, e)| format!(", built for {} ({})", e.crt, e.evidence));
            format!("{u} calls it through `__imp_{target}` (dllimport){}", crt.unwrap_or_default())
        })
        .collect();
    let program_static = options.crt.is_some_and(|c| !c.dynamic)
        || crt_modes.iter().any(|(n, e)| !e.crt.dynamic && !users.contains(n));
    // The other side of the mismatch: what the rest of the link was built for.
    if let Some(crt) = options.crt.filter(|c| !c.dynamic) {
        evidence.push(format!("the program uses the {crt} (--crt)"));
    }
    for (n, e) in crt_modes.iter().filter(|(n, e)| !e.crt.dynamic && !users.contains(n)) {
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
