//! The resolve phase: which members a link loads and in what order, which member defines each name, what
//! stays undefined or defined twice, and the C runtime each linked member shows. Every check reads this.

use super::LinkOptions;
use crate::crt::{self, CrtEvidence};
use crate::read::{Directive, Input, Member};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

/// A member by (input, member) index.
pub(super) type Id = (usize, usize);

/// What symbol resolution decided.
pub(crate) struct Resolution<'a> {
    /// The inputs, in command-line order.
    pub(super) inputs: &'a [Input],
    /// Members linked, in the order lld-link loads them.
    pub(super) loaded: Vec<Id>,
    /// The member whose definition each defined symbol has (the first one loaded).
    pub(super) defined: HashMap<&'a str, Id>,
    /// Symbols only a library member defines, none of which was loaded for them: the member that would be.
    pub(super) lazy: HashMap<&'a str, Id>,
    /// Symbols defined twice (outside COMDAT): the first definition and the second, in load order.
    pub(super) duplicates: BTreeMap<&'a str, (Id, Id)>,
    /// References that no linked member defines, by name, with the linked members making them in load order.
    pub(super) undefined: BTreeMap<&'a str, Vec<Id>>,
    /// MinGW: references to `X` that no linked member defines but whose `__imp_X` one does (an import member
    /// for DLL data, usually), which ld.lld resolves to the import slot by auto-import: by name, the member
    /// defining `__imp_X` and the linked members referring to `X`. Empty for link.exe and lld-link.
    pub(super) auto_imported: BTreeMap<&'a str, (Id, Vec<Id>)>,
    /// The C runtime of each linked member that shows one, in load order, by member name.
    pub(super) crt_modes: Vec<(String, CrtEvidence)>,
    /// Names the link itself asks for rather than a member's code: `/ENTRY`, the entry point `/DLL` or
    /// `/SUBSYSTEM` implies, `/INCLUDE` (command line or `.drectve`), the target of an `/ALTERNATENAME`; with
    /// how it was asked, for the evidence.
    pub(super) link_references: BTreeMap<&'a str, String>,
}

impl<'a> Resolution<'a> {
    /// The member `id` names.
    pub(super) fn member(&self, id: Id) -> &'a Member {
        &self.inputs[id.0].members[id.1]
    }
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
#[cfg(test)]
pub(super) fn resolve(inputs: &[Input]) -> Resolution<'_> {
    resolve_with(inputs, &LINK_DEFAULTS)
}

#[cfg(test)]
static LINK_DEFAULTS: LinkOptions = LinkOptions {
    flavor: super::Flavor::Msvc,
    no_auto_import: false,
    no_pseudo_relocs: false,
    default_libs: Vec::new(),
    no_default_libs: Vec::new(),
    no_default_all: false,
    crt: None,
    machine: None,
    entry: None,
    no_entry: false,
    dll: false,
    subsystem: None,
    include: Vec::new(),
    include_optional: Vec::new(),
    alternate_names: Vec::new(),
    whole_archive: Vec::new(),
    whole_archive_all: false,
    force_unresolved: false,
    force_multiple: false,
    searched: Vec::new(),
};

/// A step of lld-link's input queue.
enum Task {
    Input(usize),
    Member(Id),
}

/// The state of the symbol table while inputs are read.
struct Table<'a> {
    symbols: HashMap<&'a str, Symbol>,
    queue: VecDeque<Task>,
    queued: HashSet<Id>,
}

impl<'a> Table<'a> {
    /// lld-link queues each archive member once, however many names ask for it.
    fn request(&mut self, id: Id) {
        if self.queued.insert(id) {
            self.queue.push_back(Task::Member(id));
        }
    }

    /// A reference to `name`: undefined if nothing has it yet, and the member of a lazy name is queued.
    fn reference(&mut self, name: &'a str) {
        match self.symbols.get_mut(name) {
            None => {
                self.symbols.insert(name, Symbol::Undefined);
            }
            Some(Symbol::Lazy { member, requested }) if !*requested => {
                *requested = true;
                let member = *member;
                self.request(member);
            }
            Some(_) => {}
        }
    }

    /// Defined, or lazy in a library read so far (lld-link's `findUnderscoreMangle` for the entry point).
    fn known(&self, name: &str) -> bool {
        matches!(self.symbols.get(name), Some(Symbol::Lazy { .. } | Symbol::Defined { .. }))
    }
}

/// A `.drectve` option of `m` with value, as `(option lower case, value)`, for the options only resolution reads
/// (`/INCLUDE`, `/ALTERNATENAME`), which read.rs keeps as written.
fn member_options(m: &Member) -> impl Iterator<Item = (String, &str)> {
    m.directives.iter().filter_map(|d| match d {
        Directive::Other(text) => {
            let body = text.strip_prefix(['/', '-'])?;
            let (option, value) = body.split_once(':')?;
            Some((option.to_ascii_lowercase(), value))
        }
        _ => None,
    })
}

/// The entry point lld-link adds as undefined once the inputs are read (lld/COFF `LinkerDriver::linkerMain`,
/// `findDefaultEntry`): `/ENTRY` (taken as written), else for `/DLL` `_DllMainCRTStartup`, else from
/// `/SUBSYSTEM` and which of `main`/`wmain` (console) or `WinMain`/`wWinMain` (windows) the inputs have. With
/// none of the three options, none: lld-link would infer the subsystem too, which is not modelled
/// (docs/doctor.md "Limits").
fn entry_point(options: &LinkOptions, table: &Table<'_>, x86: bool) -> Option<(String, String)> {
    // x86 C names carry a leading underscore (lld's `mangle`, which lld-link applies to `/ENTRY` too); the
    // inferred names are listed both ways.
    let pick = |plain: &'static str, mangled: &'static str| if x86 { mangled } else { plain };
    if options.no_entry {
        return None;
    }
    if let Some(entry) = &options.entry {
        let name = if x86 { format!("_{entry}") } else { entry.clone() };
        return Some((name, format!("the entry point (/ENTRY:{entry})")));
    }
    if options.dll {
        let name = pick("_DllMainCRTStartup", "__DllMainCRTStartup@12");
        return Some((name.to_owned(), "the entry point of a DLL (/DLL)".to_owned()));
    }
    let subsystem = options.subsystem.as_deref()?;
    let (narrow, wide, narrow_entry, wide_entry) = match subsystem {
        "console" => (
            pick("main", "_main"),
            pick("wmain", "_wmain"),
            pick("mainCRTStartup", "_mainCRTStartup"),
            pick("wmainCRTStartup", "_wmainCRTStartup"),
        ),
        "windows" => (
            pick("WinMain", "_WinMain@16"),
            pick("wWinMain", "_wWinMain@16"),
            pick("WinMainCRTStartup", "_WinMainCRTStartup"),
            pick("wWinMainCRTStartup", "_wWinMainCRTStartup"),
        ),
        _ => return None,
    };
    let entry = if table.known(wide) && !table.known(narrow) { wide_entry } else { narrow_entry };
    Some((entry.to_owned(), format!("the entry point of a /SUBSYSTEM:{subsystem} program")))
}

/// [`resolve`] with the options that change resolution: `/ENTRY`, `/DLL`, `/SUBSYSTEM` and `/INCLUDE` add
/// undefined names once the inputs are read, `/ALTERNATENAME:a=b` makes an undefined `a` resolve to `b`
/// (asking for `b` in turn), `/WHOLEARCHIVE` loads every member of a library as if it were objects.
pub(super) fn resolve_with<'a>(inputs: &'a [Input], options: &'a LinkOptions) -> Resolution<'a> {
    let member = |id: Id| -> &Member { &inputs[id.0].members[id.1] };
    let whole: HashSet<String> = options.whole_archive.iter().map(|l| super::lib_key(l)).collect();
    let whole_archive =
        |i: usize| options.whole_archive_all || whole.contains(&super::lib_key(&inputs[i].path));
    let mut table = Table {
        symbols: HashMap::new(),
        queue: (0..inputs.len()).map(Task::Input).collect(),
        queued: HashSet::new(),
    };
    let mut loaded = Vec::new();
    let mut duplicates = BTreeMap::new();
    let mut link_references: BTreeMap<&'a str, String> = BTreeMap::new();
    let mut late_added = false;
    let mut alternates: Vec<(&'a str, &'a str, String)> = options
        .alternate_names
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str(), format!("/ALTERNATENAME:{a}={b} on the command line")))
        .collect();
    let mut aliased: Vec<(&'a str, &'a str)> = Vec::new();
    loop {
        let Some(task) = table.queue.pop_front() else {
            // Every input is read. lld-link then adds the entry point and the /INCLUDE names as undefined, and
            // gives each /ALTERNATENAME whose name is still undefined its alternative (asking for it), reading
            // whatever that queues, until nothing new is queued.
            if !late_added {
                late_added = true;
                let x86 = is_x86(link_machine(inputs, &loaded, options));
                if let Some((name, why)) = entry_point(options, &table, x86) {
                    let name = interned(inputs, options, &name);
                    link_references.entry(name).or_insert(why);
                    table.reference(name);
                }
                for name in &options.include {
                    link_references
                        .entry(name)
                        .or_insert_with(|| format!("/INCLUDE:{name} on the command line"));
                    table.reference(name);
                }
                // `-u`: only a name some library offers is asked for; nothing is undefined for it otherwise.
                for name in &options.include_optional {
                    if matches!(table.symbols.get(name.as_str()), Some(Symbol::Lazy { .. })) {
                        table.reference(name);
                    }
                }
            }
            for (from, to, why) in &alternates {
                if matches!(table.symbols.get(from), Some(Symbol::Undefined))
                    && !aliased.iter().any(|(a, _)| a == from)
                {
                    aliased.push((from, to));
                    link_references.entry(to).or_insert_with(|| why.clone());
                    table.reference(to);
                }
            }
            // ld.lld for MinGW (lld/COFF `SymbolTable::loadMinGWSymbols`): an undefined `X` whose `__imp_X` a
            // library makes lazy loads that member, so that `X` can be auto-imported. lld walks its hash table;
            // name order keeps the prediction deterministic and changes only which of two queued members loads
            // first.
            if options.flavor == super::Flavor::Mingw && !options.no_auto_import {
                let mut wanted: Vec<&'a str> = table
                    .symbols
                    .iter()
                    .filter(|(name, symbol)| {
                        matches!(symbol, Symbol::Undefined) && !name.starts_with("__imp_")
                    })
                    .map(|(name, _)| *name)
                    .collect();
                wanted.sort_unstable();
                for name in wanted {
                    let slot = format!("__imp_{name}");
                    if let Some(Symbol::Lazy { member, requested }) = table.symbols.get_mut(slot.as_str())
                        && !*requested
                    {
                        *requested = true;
                        let member = *member;
                        table.request(member);
                    }
                }
            }
            if table.queue.is_empty() {
                break;
            }
            continue;
        };
        let ids: Vec<Id> = match task {
            Task::Input(i) if inputs[i].is_library && !whole_archive(i) => {
                for (j, m) in inputs[i].members.iter().enumerate() {
                    for name in &m.defines {
                        match table.symbols.get_mut(name.as_str()) {
                            None => {
                                table.symbols.insert(name, Symbol::Lazy { member: (i, j), requested: false });
                            }
                            Some(symbol @ Symbol::Undefined) => {
                                *symbol = Symbol::Lazy { member: (i, j), requested: true };
                                table.request((i, j));
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
            loaded.push(id);
            let m = member(id);
            // A set, not `Vec::contains` per definition: C++ objects carry thousands of COMDAT definitions.
            let comdat: HashSet<&str> = m.comdat.iter().map(String::as_str).collect();
            for name in &m.defines {
                let here = Symbol::Defined { member: id, comdat: comdat.contains(name.as_str()) };
                match table.symbols.get_mut(name.as_str()) {
                    Some(Symbol::Defined { member: first, comdat: first_comdat }) => {
                        if !(*first_comdat && comdat.contains(name.as_str())) {
                            duplicates.entry(name.as_str()).or_insert((*first, id));
                        }
                    }
                    Some(symbol) => *symbol = here,
                    None => {
                        table.symbols.insert(name, here);
                    }
                }
            }
            for name in &m.references {
                table.reference(name);
            }
            // lld-link reads a loaded object's `/INCLUDE` directives as it loads it, and its `/ALTERNATENAME`s
            // join the command line's (the MSVC C runtime relies on both).
            for (option, value) in member_options(m) {
                match option.as_str() {
                    "include" => {
                        link_references
                            .entry(value)
                            .or_insert_with(|| format!("/INCLUDE:{value} in {}", m.name));
                        table.reference(value);
                    }
                    "alternatename" => {
                        if let Some((a, b)) = value.split_once('=') {
                            alternates.push((a, b, format!("/ALTERNATENAME:{value} in {}", m.name)));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let mut defined = HashMap::new();
    let mut lazy = HashMap::new();
    for (name, symbol) in table.symbols {
        match symbol {
            Symbol::Defined { member, .. } => {
                defined.insert(name, member);
            }
            Symbol::Lazy { member, .. } => {
                lazy.insert(name, member);
            }
            Symbol::Undefined => {}
        }
    }
    // An alternate name stands for its target once that is defined (lld-link's weak alias).
    for (from, to) in aliased {
        if let Some(&id) = defined.get(to) {
            defined.entry(from).or_insert(id);
        }
    }
    let mut undefined: BTreeMap<&str, Vec<Id>> = BTreeMap::new();
    for &id in &loaded {
        for r in &member(id).references {
            if !defined.contains_key(r.as_str()) {
                undefined.entry(r.as_str()).or_default().push(id);
            }
        }
    }
    for name in link_references.keys() {
        if !defined.contains_key(name) {
            undefined.entry(name).or_default();
        }
    }
    // Names the linker defines itself once the inputs are read (lld/COFF `LinkerDriver::linkerMain`): never
    // undefined, whoever refers to them.
    let x86 = is_x86(link_machine(inputs, &loaded, options));
    undefined.retain(|name, _| !linker_defined(name, options, x86));
    // What ld.lld auto-imports instead of reporting undefined (lld/COFF `handleMinGWAutomaticImport`).
    let mut auto_imported = BTreeMap::new();
    if options.flavor == super::Flavor::Mingw && !options.no_auto_import {
        undefined.retain(|name, users| {
            if name.starts_with("__imp_") {
                return true;
            }
            match defined.get(format!("__imp_{name}").as_str()) {
                Some(&slot) => {
                    auto_imported.insert(*name, (slot, std::mem::take(users)));
                    false
                }
                None => true,
            }
        });
    }
    let crt_modes = loaded
        .iter()
        .filter_map(|&id| crt::infer(member(id)).map(|e| (member(id).name.clone(), e)))
        .collect();
    Resolution {
        inputs,
        loaded,
        defined,
        lazy,
        duplicates,
        undefined,
        auto_imported,
        crt_modes,
        link_references,
    }
}

/// `name` as a string that lives as long as the inputs (the symbol table's keys do): the inputs' own copy when
/// a member defines or refers to it, the option's when it is written as is, else (an x86 entry point nothing
/// has, decorated by [`entry_point`]) a copy leaked once for the link, which the error then names.
fn interned<'a>(inputs: &'a [Input], options: &'a LinkOptions, name: &str) -> &'a str {
    const INFERRED: &[&str] = &[
        "_DllMainCRTStartup",
        "__DllMainCRTStartup@12",
        "mainCRTStartup",
        "_mainCRTStartup",
        "wmainCRTStartup",
        "_wmainCRTStartup",
        "WinMainCRTStartup",
        "_WinMainCRTStartup",
        "wWinMainCRTStartup",
        "_wWinMainCRTStartup",
    ];
    if let Some(entry) = options.entry.as_deref().filter(|e| *e == name) {
        return entry;
    }
    if let Some(inferred) = INFERRED.iter().find(|n| **n == name) {
        return inferred;
    }
    let known = inputs
        .iter()
        .flat_map(|i| &i.members)
        .flat_map(|m| m.defines.iter().chain(&m.references))
        .find(|d| d.as_str() == name);
    match known {
        Some(k) => k,
        None => Box::leak(name.to_owned().into_boxed_str()),
    }
}

/// The link's machine as lld sets it: `/MACHINE`, else the first loaded object's (import members say nothing).
fn link_machine(inputs: &[Input], loaded: &[Id], options: &LinkOptions) -> Option<crate::read::Machine> {
    options.machine.or_else(|| {
        loaded.iter().find_map(|&(i, j)| {
            let m = &inputs[i].members[j];
            m.machine.filter(|_| m.import.is_none())
        })
    })
}

fn is_x86(machine: Option<crate::read::Machine>) -> bool {
    machine.is_some() && machine == crate::read::Machine::from_option("x86")
}

/// Whether the linker defines `name` itself (lld/COFF `LinkerDriver::linkerMain`, after reading the inputs):
/// `__ImageBase` and the Control Flow Guard and enclave tables for every link (x86: with their underscore, and
/// the safe exception handler table); for MinGW also the pseudo-relocation list bounds, `__CTOR_LIST__` and
/// `__DTOR_LIST__`, and `__image_base__`, which lld's MinGW driver makes an alternate name of `__ImageBase`.
fn linker_defined(name: &str, options: &LinkOptions, x86: bool) -> bool {
    const EVERY_LINK: &[&str] = &[
        "__ImageBase",
        "__guard_fids_count",
        "__guard_fids_table",
        "__guard_flags",
        "__guard_iat_count",
        "__guard_iat_table",
        "__guard_longjmp_count",
        "__guard_longjmp_table",
        "__enclave_config",
        "__guard_eh_cont_count",
        "__guard_eh_cont_table",
    ];
    const MINGW: &[&str] = &["__CTOR_LIST__", "__DTOR_LIST__", "__image_base__"];
    const PSEUDO_RELOC_LIST: &[&str] =
        &["__RUNTIME_PSEUDO_RELOC_LIST__", "__RUNTIME_PSEUDO_RELOC_LIST_END__"];
    if x86 && matches!(name, "___safe_se_handler_table" | "___safe_se_handler_count") {
        return true;
    }
    let Some(name) = (if x86 { name.strip_prefix('_') } else { Some(name) }) else { return false };
    EVERY_LINK.contains(&name)
        || (options.flavor == super::Flavor::Mingw
            && (MINGW.contains(&name) || (!options.no_pseudo_relocs && PSEUDO_RELOC_LIST.contains(&name))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Coff, library, object_input};

    /// Names of the linked members, in load order.
    fn loaded(inputs: &[Input]) -> Vec<&str> {
        let r = resolve(inputs);
        r.loaded.iter().map(|&id| r.member(id).name.as_str()).collect()
    }

    /// The inputs of issue 7's defect 12: m.obj calls `lib_lower`, v.obj defines it, v.lib holds a copy.
    fn inputs(order: &str) -> Vec<Input> {
        let v = Coff::new().define(&["lib_lower"]).write();
        order
            .split(' ')
            .map(|name| match name {
                "m.obj" => {
                    object_input(name, &Coff::new().define(&["mainCRTStartup"]).reference(&["lib_lower"]))
                }
                "v.obj" => crate::read_bytes(name, &v).unwrap(),
                "v.lib" => crate::read_bytes(name, &library(&[("v.obj", &v)])).unwrap(),
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
        for (order, expected, duplicate) in cases {
            let inputs = inputs(order);
            assert_eq!(loaded(&inputs), expected, "{order}");
            let r = resolve(&inputs);
            let found: Vec<(&str, &str, &str)> = r
                .duplicates
                .iter()
                .map(|(name, &(a, b))| (*name, r.member(a).name.as_str(), r.member(b).name.as_str()))
                .collect();
            match duplicate {
                Some([a, b]) => assert_eq!(found, [("lib_lower", a, b)], "{order}"),
                None => assert!(found.is_empty(), "{order}: {found:?}"),
            }
            assert!(r.undefined.is_empty(), "{order}: {:?}", r.undefined);
        }
    }

    /// A member queued by a reference loads after the inputs queued before it; the first library defining a
    /// name is the one that provides it; a name undefined when a library is read loads that library's member.
    #[test]
    fn queue_order_and_first_library_wins() {
        let b = Coff::new().define(&["b"]).write();
        let inputs = vec![
            object_input("m.obj", &Coff::new().reference(&["a"])),
            crate::read_bytes(
                "l1.lib",
                &library(&[("a.obj", &Coff::new().define(&["a"]).reference(&["b"]).write())]),
            )
            .unwrap(),
            crate::read_bytes("l2.lib", &library(&[("b.obj", &b)])).unwrap(),
            crate::read_bytes("l3.lib", &library(&[("b.obj", &b)])).unwrap(),
            object_input("y.obj", &Coff::new().define(&["b"])),
        ];
        assert_eq!(loaded(&inputs), ["m.obj", "y.obj", "l1.lib(a.obj)"]);
        let r = resolve(&inputs);
        assert!(r.duplicates.is_empty() && r.undefined.is_empty());
        // Without y.obj, `b` is lazy in l2 (first) when l1's member references it.
        assert_eq!(loaded(&inputs[..4]), ["m.obj", "l1.lib(a.obj)", "l2.lib(b.obj)"]);
        // `b` referenced before any library is read: the first library read afterwards provides it, once.
        let inputs = vec![
            object_input("m.obj", &Coff::new().reference(&["b"])),
            crate::read_bytes("l3.lib", &library(&[("b.obj", &b)])).unwrap(),
            crate::read_bytes("l2.lib", &library(&[("b.obj", &b)])).unwrap(),
        ];
        assert_eq!(loaded(&inputs), ["m.obj", "l3.lib(b.obj)"]);
    }

    /// Two COMDAT copies of a name are one definition (C++ inline functions); a COMDAT and a plain one are not.
    #[test]
    fn comdat_copies_are_not_duplicates() {
        let object = |name: &str, comdat: bool| {
            let own = format!("own_{}", name.len());
            let coff = Coff::new().define(&[&own]);
            let coff = if comdat { coff.define_comdat("inline_f") } else { coff.define(&["inline_f"]) };
            object_input(name, &coff)
        };
        let duplicates = |inputs: &[Input]| -> Vec<String> {
            resolve(inputs).duplicates.keys().map(|s| s.to_string()).collect()
        };
        assert!(duplicates(&[object("a.obj", true), object("bb.obj", true)]).is_empty());
        assert_eq!(duplicates(&[object("a.obj", true), object("bb.obj", false)]), ["inline_f"]);
        assert_eq!(duplicates(&[object("a.obj", false), object("bb.obj", true)]), ["inline_f"]);
    }

    /// Every reference that no linked member defines is undefined, with its users in load order; a plain
    /// definition of `X` does not define `__imp_X`.
    #[test]
    fn undefined_references_and_their_users() {
        let inputs = vec![
            object_input("a.obj", &Coff::new().define(&["f"]).reference(&["g", "__imp_f"])),
            object_input("b.obj", &Coff::new().reference(&["g", "f"])),
        ];
        let r = resolve(&inputs);
        let undefined: Vec<(&str, Vec<&str>)> = r
            .undefined
            .iter()
            .map(|(name, users)| (*name, users.iter().map(|&u| r.member(u).name.as_str()).collect()))
            .collect();
        assert_eq!(undefined, [("__imp_f", vec!["a.obj"]), ("g", vec!["a.obj", "b.obj"])]);
    }
}
