//! Tests of the checker: the contract's symbols, expression typing, static layout, errors reported together.
//! Each user error's message and position is a case of the error corpus (corpus/errors/checker.lw).

use super::check;
use crate::ast::{LinkKind, Type};
use crate::checked::*;
use crate::span::SourceFile;

fn checked(src: &str) -> Program {
    let file = SourceFile::new("t.lw", src);
    let module = crate::text::parse(&file).unwrap_or_else(|d| panic!("{}", d.render(&file)));
    check(&module).unwrap_or_else(|d| panic!("{}", d.render(&file)))
}

/// Every rendered error, and the `--> file:line:col` of each.
fn errors(src: &str) -> (String, Vec<String>) {
    let file = SourceFile::new("t.lw", src);
    let module = crate::text::parse(&file).unwrap_or_else(|d| panic!("{}", d.render(&file)));
    let d = check(&module).expect_err("should not check");
    let text = without_codes(&d.render(&file));
    let at = text.lines().filter_map(|l| l.trim().strip_prefix("--> ")).map(str::to_owned).collect();
    (text, at)
}

fn symbol<'p>(p: &'p Program, name: &str) -> (SymbolId, &'p Symbol) {
    p.symbols().find(|(_, s)| s.name == name).unwrap_or_else(|| panic!("no symbol {name}"))
}

/// A static laid out for a little-endian target with 8-byte pointers (the checked program is target-neutral).
fn data(p: &Program, name: &str) -> LaidOut {
    match &symbol(p, name).1.def {
        SymbolDef::Static { data, .. } => data.layout(DataLayout { pointer_size: 8, big_endian: false }),
        other => panic!("{name} is {other:?}"),
    }
}

/// The statements of function `name`.
fn body<'p>(p: &'p Program, name: &str) -> &'p [Stmt] {
    let (id, _) = symbol(p, name);
    &p.functions.iter().find(|f| f.symbol == id).unwrap().body
}

#[test]
fn contract_symbols_blocks_and_strings() {
    let p = checked(include_str!("../../../examples/hello.lw"));
    let names: Vec<(&str, &str)> =
        p.symbols.iter().map(|s| (s.name.as_str(), s.link_name.as_str())).collect();
    assert_eq!(
        names,
        [
            ("puts", "puts"),
            ("tolower", "tolower"),
            ("ENVIRON", "_environ"),
            ("ExitProcess", "ExitProcess"),
            ("GREETING", "GREETING"),
            ("main", "main"),
            ("mainCRTStartup", "mainCRTStartup")
        ]
    );
    assert_eq!(p.blocks.len(), 2);
    assert_eq!((p.blocks[0].kind, p.blocks[0].kind_written), (LinkKind::Dylib, true));
    assert_eq!((p.blocks[1].kind, p.blocks[1].kind_written), (LinkKind::Dylib, false));
    assert!(matches!(
        symbol(&p, "ENVIRON").1.def,
        SymbolDef::ImportStatic { block: BlockId(0), ty: Type::Ptr, mutable: false }
    ));
    assert_eq!(data(&p, "GREETING").bytes, b"hello\0");
    let main = body(&p, "main");
    // let c = tolower(65): the literal takes i32 from the parameter.
    let Stmt::Set(_, Expr { kind: ExprKind::Call(callee, args), ty: Type::I32, .. }) = &main[0] else {
        panic!("{:?}", main[0])
    };
    assert_eq!(*callee, symbol(&p, "tolower").0);
    assert!(matches!(args[0], Expr { kind: ExprKind::Int(65), ty: Type::I32, .. }));
}

#[test]
fn strings_are_deduplicated_private_symbols() {
    let p = checked(
        r#"extern { fn puts(ptr) -> i32; }
           static M: ptr = "b";
           fn f() { puts("a"); puts("b"); puts("a"); }"#,
    );
    let strings: Vec<(&str, &[u8])> = p
        .symbols
        .iter()
        .filter_map(|s| match &s.def {
            SymbolDef::Str { bytes } => Some((s.name.as_str(), bytes.as_slice())),
            _ => None,
        })
        .collect();
    // "b" is first used by the static, which is checked before bodies.
    assert_eq!(strings, [("str.0", &b"b"[..]), ("str.1", &b"a"[..])]);
    let m = data(&p, "M");
    assert_eq!((m.bytes, m.addresses), (vec![0; 8], vec![(0, symbol(&p, "str.0").0)]));
}

#[test]
fn literals_take_their_type_from_context() {
    let p = checked(
        r#"fn f(a: i64, x: f32) -> i32 {
               let b = a + 1;
               let c = 2 * a;
               let y = x * 2.5;
               let d = 300;
               return (b < c) + (y > 1.0);
           }"#,
    );
    let locals = &p.functions[0].locals;
    let ty = |name: &str| locals.iter().find(|l| l.name == name).unwrap().ty;
    assert_eq!((ty("b"), ty("c"), ty("y"), ty("d")), (Type::I64, Type::I64, Type::F32, Type::I32));
    let Stmt::Return(Some(e)) = &p.functions[0].body[4] else { panic!() };
    assert_eq!(e.ty, Type::I32, "comparisons are i32");
}

/// A float literal under two or more `-` is a literal like one under one `-` (issue 11: the generator's
/// `- -1.5` was rejected as "expected a constant of type `f64`"), with the sign an odd count gives, in a
/// typed context and with none (`f64` then, not `i32`).
#[test]
fn float_literals_under_repeated_negation() {
    let p =
        checked(r#"fn f() -> f64 { let a = - -1.5; let b: f32 = - - -2.5; let c = - - - -0.25; return a; }"#);
    let locals = &p.functions[0].locals;
    let local = |name: &str| locals.iter().find(|l| l.name == name).unwrap().ty;
    assert_eq!((local("a"), local("b"), local("c")), (Type::F64, Type::F32, Type::F64));
    let value = |i: usize| match &p.functions[0].body[i] {
        Stmt::Set(_, e) => match e.kind {
            ExprKind::Float(x) => x,
            ref other => panic!("not folded: {other:?}"),
        },
        other => panic!("{other:?}"),
    };
    assert_eq!((value(0), value(1), value(2)), (1.5, -2.5, 0.25));
}

/// A call written as a statement is a `Stmt::Call` whether or not its callee returns a value, so every
/// checked expression has a type; one used as a value is an expression of the callee's return type, and a
/// callee that returns nothing cannot be one, however deep (the error points at the call).
#[test]
fn calls_as_statements_and_as_values() {
    let p = checked(
        "extern { fn g(x: i64); fn h() -> i8; }
         fn f() -> i8 { g(1); h(); return h(); }",
    );
    let (g, h) = (symbol(&p, "g").0, symbol(&p, "h").0);
    match body(&p, "f") {
        [Stmt::Call(first, args), Stmt::Call(second, none), Stmt::Return(Some(e))] => {
            assert_eq!((*first, *second), (g, h));
            assert!(matches!(args[..], [Expr { kind: ExprKind::Int(1), ty: Type::I64, .. }]), "{args:?}");
            assert!(none.is_empty());
            assert!(matches!(e, Expr { kind: ExprKind::Call(c, _), ty: Type::I8, .. } if *c == h), "{e:?}");
        }
        other => panic!("{other:?}"),
    }
    for (src, at) in [
        ("extern { fn g(); }\nfn f() { let x = g(); }", "t.lw:2:18"),
        ("extern { fn g(); }\nfn f() { if 1 + g() {} }", "t.lw:2:17"),
        ("extern { fn g(); fn k(x: i32); }\nfn f() { k(g()); }", "t.lw:2:12"),
    ] {
        let (text, locations) = errors(src);
        assert!(text.contains("error: `g` returns nothing, so it has no value"), "`{src}`:\n{text}");
        assert_eq!(locations, [at], "`{src}`:\n{text}");
    }
}

/// The checked program holds values, not bytes: pointer size and byte order are the layout's parameters (issue
/// 8: the IR crate is target-neutral). A repeated address is laid out once per element.
#[test]
fn static_layout_follows_the_target_facts_it_is_given() {
    let p = checked(
        r#"static A: [i32; 2] = [1, -1];
           static P: [ptr; 3] = [&A; 3];
           static Q: ptr = 0;"#,
    );
    let laid_out = |name: &str, pointer_size, big_endian| match &symbol(&p, name).1.def {
        SymbolDef::Static { data, .. } => data.layout(DataLayout { pointer_size, big_endian }),
        other => panic!("{name} is {other:?}"),
    };
    assert_eq!(laid_out("A", 4, true).bytes, [0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]);
    let a = symbol(&p, "A").0;
    let p4 = laid_out("P", 4, false);
    assert_eq!((p4.bytes.len(), p4.align, p4.addresses), (12, 4, vec![(0, a), (4, a), (8, a)]));
    let p8 = laid_out("P", 8, false);
    assert_eq!((p8.bytes.len(), p8.align, p8.addresses), (24, 8, vec![(0, a), (8, a), (16, a)]));
    assert_eq!((laid_out("Q", 4, true).bytes, laid_out("Q", 8, false).bytes), (vec![0; 4], vec![0; 8]));
}

#[test]
fn static_layout() {
    let p = checked(
        r#"static A: i16 = -2;
           static B: [i32; 3] = [1, -1, 7];
           static C: [i64] = [9; 2];
           static D: f32 = 1.5;
           static E: [u8; 2] = [255, 0];
           static F: ptr = &A;
           static G: [ptr; 2] = [&B, 0];
           static H: ptr = 0;
           pub static mut Z: [i32; 0] = [];"#,
    );
    assert_eq!((data(&p, "A").bytes, data(&p, "A").align), (vec![0xfe, 0xff], 2));
    assert_eq!(data(&p, "B").bytes, [1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 7, 0, 0, 0]);
    assert_eq!(data(&p, "C").bytes, [9, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(data(&p, "D").bytes, 1.5f32.to_le_bytes());
    assert_eq!((data(&p, "E").bytes, data(&p, "E").align), (vec![255, 0], 1));
    let f = data(&p, "F");
    assert_eq!((f.bytes.len(), f.addresses), (8, vec![(0, symbol(&p, "A").0)]));
    let g = data(&p, "G");
    assert_eq!((g.bytes, g.addresses), (vec![0; 16], vec![(0, symbol(&p, "B").0)]));
    assert!(data(&p, "H").addresses.is_empty());
    assert!(data(&p, "Z").bytes.is_empty());
}

#[test]
fn a_redeclared_import_is_one_symbol_in_two_blocks() {
    let p = checked(
        r#"#[link(name = "a")] extern { fn f(i32) -> i32; }
           #[link(name = "b", kind = "static")] extern { fn f(i32) -> i32; }
           fn g() -> i32 { return f(1); }"#,
    );
    let imports: Vec<Option<BlockId>> = p.symbols.iter().map(|s| s.def.import_block()).collect();
    assert_eq!(&imports[..2], [Some(BlockId(0)), Some(BlockId(1))]);
}

// Each checker error's message and file:line:col: corpus/errors/checker.lw, run by tests/errors.rs.

#[test]
fn independent_errors_are_all_reported_with_suggestions() {
    let (text, at) = errors(
        "fn f() -> i32 {\n    let value = 1;\n    valeu = 2;\n    return missing;\n}\nfn g() { h(); }\nstatic S: i8 = 1000;",
    );
    assert_eq!(at, ["t.lw:7:16", "t.lw:3:5", "t.lw:4:12", "t.lw:6:10"], "{text}");
    assert!(text.contains("help: a local variable with a similar name exists\n"), "{text}");
    assert!(text.contains("3 +     value = 2;\n"), "{text}");
    assert!(text.contains("aborting due to 4 previous errors"), "{text}");
}

/// Issue 7, defect 2: an `f32` literal is its decimal text rounded once, to `f32`, as rustc reads it; going
/// through `f64` first rounds onto the boundary between two `f32`s and then to the even one.
#[test]
fn f32_literals_are_rounded_once() {
    let p = checked(
        "static A: f32 = 1.00000017881393432617187499;
         static B: [f32; 2] = [1.00000017881393432617187501, -1.00000017881393432617187499];
         fn f() -> f32 { return 1.00000017881393432617187499; }
         fn g() -> f64 { return 1.00000017881393432617187499; }",
    );
    assert_eq!(data(&p, "A").bytes, 0x3f80_0001u32.to_le_bytes(), "below the boundary: rounded down");
    let b = [0x3f80_0002u32.to_le_bytes(), 0xbf80_0001u32.to_le_bytes()].concat();
    assert_eq!(data(&p, "B").bytes, b, "above it: up; negated: the same magnitude");
    let returned = |name: &str| match &body(&p, name)[0] {
        Stmt::Return(Some(Expr { kind: ExprKind::Float(x), ty, .. })) => (*x, *ty),
        other => panic!("{other:?}"),
    };
    let (x, ty) = returned("f");
    assert_eq!(((x as f32).to_bits(), ty), (0x3f80_0001, Type::F32));
    assert_eq!(f64::from(x as f32), x, "an f32 constant is exactly an f32");
    assert_eq!(returned("g"), (1.000_000_178_813_934_3, Type::F64), "f64 is unchanged");
}

/// Issue 7, defect 3: a literal too large for `f32` is an error, as one too large for `i8` or `f64` is, not
/// a silent infinity.
#[test]
fn out_of_range_f32_literals_are_errors() {
    let cases = [
        ("static BIG: f32 = 1e300;", "t.lw:1:19"),
        ("static V: [f32; 2] = [1.0, -3.5e38];", "t.lw:1:28"),
        ("fn f() -> f32 { return -1e39; }", "t.lw:1:24"),
        ("fn f(x: f32) -> f32 { return x * 3.5e38; }", "t.lw:1:34"),
    ];
    for (src, location) in cases {
        let (text, at) = errors(src);
        assert!(text.contains("error: literal out of range for `f32`"), "`{src}`:\n{text}");
        assert!(text.contains("`f32` holds at most 3.4028235e38 in magnitude"), "`{src}`:\n{text}");
        assert_eq!(at, [location], "`{src}`:\n{text}");
    }
    // The largest f32 and anything that rounds to it are fine; so are tiny values (they become 0, as in f64).
    let p = checked("static M: [f32; 3] = [3.4028235e38, -3.40282356e38, 1e-50];");
    let m = [f32::MAX.to_le_bytes(), f32::MIN.to_le_bytes(), 0f32.to_le_bytes()].concat();
    assert_eq!(data(&p, "M").bytes, m);
}

/// Every node of a checked expression as `kind:type`, in a canonical order (sorted), so that an expression
/// and its mirror image (operands swapped) compare equal when they are typed alike.
fn typed_nodes(e: &Expr) -> Vec<String> {
    fn walk(e: &Expr, out: &mut Vec<String>) {
        let ty = e.ty;
        let kind = match &e.kind {
            ExprKind::Int(v) => format!("{v}"),
            ExprKind::Float(x) => format!("{x:?}"),
            ExprKind::Local(l) => format!("local{}", l.index()),
            ExprKind::Unary(op, inner) => {
                walk(inner, out);
                format!("{op:?}")
            }
            ExprKind::Binary(op, l, r) => {
                walk(l, out);
                walk(r, out);
                format!("{op:?}")
            }
            ExprKind::Cast(inner) => {
                walk(inner, out);
                "as".to_owned()
            }
            other => format!("{other:?}"),
        };
        out.push(format!("{kind}:{ty}"));
    }
    let mut out = Vec::new();
    walk(e, &mut out);
    out.sort();
    out
}

/// Issue 7, defect 9: a literal-only operand takes its type from the other operand whichever side it is on,
/// as rustc's integer and float inference variables do; it used to be typed `i32` when it came first.
#[test]
fn literal_operands_are_typed_alike_on_either_side() {
    let pairs = [
        ("(!103 + x) as i64", "(x + !103) as i64"),
        ("3 * (1 + 2) == x", "x == 3 * (1 + 2)"),
        ("(1 + 1) - x", "x - (1 + 1)"),
        ("-(1 + 2) * x", "x * -(1 + 2)"),
        ("((1 + 2) * (3 - -4)) / x", "x / ((1 + 2) * (3 - -4))"),
        ("(1 << 2) & x", "x & (1 << 2)"),
        ("((5 % 3) ^ !0) | x", "x | ((5 % 3) ^ !0)"),
        ("(1 >> 1) < x", "x < (1 >> 1)"),
        ("(2 + 3 != x) + 1", "1 + (x != 3 + 2)"),
        ("(1.5 * 2.0 + y < 1.0) as i8", "(1.0 < y + 2.0 * 1.5) as i8"),
        ("(-0.5 - -y) == 1e30", "1e30 == (-y - -0.5)"),
    ];
    let function = |e: &str| {
        format!(
            "fn f(x: i8, y: f32) -> i64 {{ let v = {e}; for i in (1 + 1)..x {{}} for j in x..(1 + 1) {{}} return 0; }}"
        )
    };
    for (a, b) in pairs {
        let (pa, pb) = (checked(&function(a)), checked(&function(b)));
        let value = |p: &Program| match &p.functions[0].body[0] {
            Stmt::Set(_, e) => typed_nodes(e),
            other => panic!("{other:?}"),
        };
        assert_eq!(value(&pa), value(&pb), "`{a}` and `{b}` are typed alike");
        assert!(value(&pa).iter().any(|n| n.ends_with(":i8") || n.ends_with(":f32")), "{:?}", value(&pa));
        let counters: Vec<Type> = pa.functions[0].locals[3..].iter().map(|l| l.ty).collect();
        assert_eq!(counters, [Type::I8, Type::I8], "`for` counters over `(1 + 1)..x` and `x..(1 + 1)`");
    }
    // The literal is still checked against the type it takes, on either side and however deep.
    for (e, location) in [
        ("300 + x", "t.lw:1:30"),
        ("x + 300", "t.lw:1:34"),
        ("(1 + 300) * x", "t.lw:1:35"),
        ("x * (1 + 300)", "t.lw:1:39"),
        ("!(300 - 1) == x", "t.lw:1:32"),
    ] {
        let (text, at) = errors(&format!("fn f(x: i8) -> i32 {{ let v = {e}; return 0; }}"));
        assert!(text.contains("literal out of range for `i8`"), "`{e}`:\n{text}");
        assert_eq!(at, [location], "`{e}`:\n{text}");
    }
    let (text, at) = errors("fn f(y: f32) { let v = 1e300 * 2.0 + y; }");
    assert!(text.contains("literal out of range for `f32`"), "{text}");
    assert_eq!(at, ["t.lw:1:24"], "{text}");
}

/// Issue 7, defect 10: an integer division that is certain to trap, because its divisor is a literal zero
/// or it divides the type's minimum by -1, is an error where rustc's `unconditional_panic` lint reports it.
#[test]
fn divisions_certain_to_trap_are_errors() {
    let message = "error: this operation will panic at runtime";
    let cases = [
        ("fn f(x: i32) -> i32 {\n    return x / 0;\n}", "t.lw:2:12", "attempt to divide by zero"),
        ("fn f(x: i64) -> i64 {\n    return 1 + x % -0;\n}", "t.lw:2:16", "with a divisor of zero"),
        ("fn f(x: i8) {\n    let y = (x + 1) / 0;\n}", "t.lw:2:13", "attempt to divide by zero"),
        ("fn f() -> i32 { return -2147483648 / -1; }", "t.lw:1:24", "`i32::MIN / -1`, which would overflow"),
        (
            "fn f() -> i64 { return -9223372036854775808 / -1; }",
            "t.lw:1:24",
            "`i64::MIN / -1`, which would overflow",
        ),
        ("fn f() { let v = -128 / -1 + 0 as i8; }", "t.lw:1:18", "`i8::MIN / -1`, which would overflow"),
        ("fn f(x: i16) { let v = -32768 / -1 == x; }", "t.lw:1:24", "`i16::MIN / -1`, which would overflow"),
    ];
    for (src, location, label) in cases {
        let (text, at) = errors(src);
        assert!(text.contains(message) && text.contains(label), "`{src}`:\n{text}");
        assert_eq!(at, [location], "`{src}`:\n{text}");
    }
    // Not certain to trap: a non-zero divisor, a float divisor of zero (infinity), `MIN % -1` (0), a
    // dividend that is not the minimum, or one that is not a literal.
    checked(
        "fn f(x: i32, y: f64) -> f64 {
             let a = x / 1 + x % -1 + -2147483648 % -1 + -2147483647 / -1 + x / -1;
             let b = (-128 as i8) / -1;
             return y / 0.0 + 1.0 / -0.0;
         }",
    );
}

/// The full Levenshtein table, as a reference for the bounded one.
fn levenshtein(a: &[u8], b: &[u8]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != cb)).min(row[j] + 1).min(up + 1);
            diagonal = up;
        }
    }
    row[b.len()]
}

#[test]
fn the_bounded_edit_distance_is_levenshtein_up_to_its_limit() {
    // Every pair of strings over {a, b, c} up to 5 long: the band and the early exit change nothing.
    let words: Vec<Vec<u8>> = (0..=5u32)
        .flat_map(|len| {
            (0..3usize.pow(len)).map(move |mut n| {
                (0..len)
                    .map(|_| {
                        let c = b"abc"[n % 3];
                        n /= 3;
                        c
                    })
                    .collect()
            })
        })
        .collect();
    for a in words.iter().step_by(3) {
        for b in &words {
            let full = levenshtein(a, b);
            for limit in 0..=3 {
                let mut work = 0;
                let expected = Some(full).filter(|&d| d <= limit);
                assert_eq!(
                    super::edit_distance_within(a, b, limit, &mut work),
                    expected,
                    "{a:?} {b:?} {limit}"
                );
            }
        }
    }
    // Lengths further apart than the limit cost no cells at all.
    let mut work = 0;
    assert_eq!(super::edit_distance_within(&[b'a'; 100_000], b"abcd", 2, &mut work), None);
    assert_eq!(work, 0);
}

/// Checks `src` and returns the rendered errors, every help line, and the work its suggestions did.
fn suggestion_work(src: &str) -> (String, Vec<String>, u64) {
    let file = SourceFile::new("t.lw", src);
    let module = crate::text::parse(&file).unwrap_or_else(|d| panic!("{}", d.render(&file)));
    let (cx, _) = super::Checker::run(&module);
    assert!(cx.diags.has_errors());
    let help = cx
        .diags
        .0
        .iter()
        .flat_map(|d| d.suggestions().iter().map(|s| format!("a name that exists: `{}`", s.replacement)))
        .collect();
    (without_codes(&cx.diags.render(&file)), help, cx.suggestion_work)
}

/// Issue 7, defect 6: the suggestion for a 100,000-character unknown name used to fill a 100,000 x 100,000
/// table (16 s); now it computes a band of 5 cells per character, and a short name costs nothing.
#[test]
fn suggestions_for_very_long_names_are_linear() {
    let long = "a".repeat(100_000);
    let src = format!(
        "static {long}: i32 = 1;\nstatic short: i32 = 2;\nfn f() -> i32 {{ let {long}b = 3; let c = {long}c; return x{long}; }}"
    );
    let (_, help, work) = suggestion_work(&src);
    // `{long}c` is 1 from both `{long}` and `{long}b`: the first by name; `x{long}` is 1 from `{long}`.
    let expected = format!("a name that exists: `{long}`");
    assert!(help == [expected.clone(), expected], "{:?}", help.iter().map(String::len).collect::<Vec<_>>());
    // Two searches; each candidate of a length within 2 costs at most 5 cells a character.
    assert!(work <= 2 * (3 + 2 * 5 * 100_002), "{work} units of work");
}

/// Issue 7, defect 8: a name of 100,000 characters is not echoed whole in the headline and the help; its
/// start and end are shown.
#[test]
fn long_names_in_messages_are_clipped() {
    let long = "a".repeat(100_000);
    let (text, _, _) =
        suggestion_work(&format!("static {long}: i32 = 1;\nfn f() -> i32 {{ return {long}b; }}"));
    let clipped = |tail: &str| format!("`{}...{}{tail}`", "a".repeat(192), &long[..48 - tail.len()]);
    assert!(text.len() < 1500, "{} bytes", text.len());
    assert!(text.contains(&format!("error: cannot find value {} in this module\n", clipped("b"))), "{text}");
    assert!(
        text.contains(&format!("= help: an item with a similar name exists: {}\n", clipped(""))),
        "{text}"
    );
    // Up to 256 characters are shown whole.
    let name = "b".repeat(256);
    let (text, _, _) = suggestion_work(&format!("fn f() -> i32 {{ return {name}; }}"));
    assert!(text.contains(&format!("cannot find value `{name}` in this module")), "{text}");
}

/// Many unknown names among many candidates: the shared budget bounds the total, so the check stays linear
/// in the module's size; the first searches still suggest.
#[test]
fn suggestions_share_a_bounded_budget() {
    let n = 3000;
    let mut src: String = (0..n).map(|i| format!("static n{i:07}: i32 = 0;\n")).collect();
    src.push_str("fn f() -> i32 { return 0");
    for i in 0..n {
        src.push_str(&format!(" + m{i:07}"));
        if i % 100 == 99 {
            src.push_str(";\n}\nfn f");
            src.push_str(&format!("{i}() -> i32 {{ return 0"));
        }
    }
    src.push_str("; }\n");
    let (text, _, work) = suggestion_work(&src);
    assert!(
        text.contains("cannot find value `m0000000`") && text.contains("similar name exists: `n0000000`"),
        "{text}"
    );
    // Without the budget: 3,000 searches of 3,000 candidates, some 50 cells each.
    assert!(work <= super::SUGGESTION_BUDGET + 1 + 5 * 8, "{work} units of work");
    assert!(text.matches("a similar name exists").count() < n, "the budget ran out");
}

/// The local each use of a name in function `name` resolves to: the `LocalId` of every statement's
/// top-level `Local` read, in order.
fn local_reads(p: &Program, name: &str) -> Vec<u32> {
    fn expr(e: &Expr, out: &mut Vec<u32>) {
        if let ExprKind::Local(id) = &e.kind {
            out.push(id.0);
        }
    }
    fn stmts(body: &[Stmt], out: &mut Vec<u32>) {
        for s in body {
            match s {
                Stmt::Set(_, e) | Stmt::Store(_, e) | Stmt::Expr(e) | Stmt::Return(Some(e)) => expr(e, out),
                Stmt::For { body, .. } => stmts(body, out),
                Stmt::If { cond, then, otherwise } => {
                    expr(cond, out);
                    stmts(then, out);
                    stmts(otherwise, out);
                }
                Stmt::Call(_, args) => args.iter().for_each(|a| expr(a, out)),
                Stmt::Return(None) => {}
            }
        }
    }
    let mut out = Vec::new();
    stmts(body(p, name), &mut out);
    out
}

/// Shadowing: a name is the innermost, latest local of that name in scope; a `let`'s value is read before
/// its name is declared; a block's and a `for` counter's locals end with it, uncovering the outer ones.
#[test]
fn locals_shadow_and_scopes_end() {
    let p = checked(
        "fn f(a: i32) -> i32 {\n\
         let a = a;\n\
         let b = a;\n\
         if b { let a = b; let c = a; c; }\n\
         a;\n\
         for a in 0..3 { a; if a { let a = 1; a; } a; }\n\
         b;\n\
         return a;\n}\n",
    );
    // Locals in order: 0 param a, 1 a, 2 b, 3 a (in the if), 4 c, 5 for a, 6 a (inner if).
    assert_eq!(local_reads(&p, "f"), [0, 1, 2, 2, 3, 4, 1, 5, 5, 6, 5, 2, 1]);
}

/// Looking up a local costs a bounded amount however many locals are in scope: it walked every scope's
/// every local, so 20,000 `let a = S;` took 2.9 s and 40,000 took 11.6 s (review of issue 7/8), each `S`
/// missing among all the `a`s before being found as a global.
#[test]
fn local_lookup_does_not_walk_every_local() {
    let n = 3000;
    let src = format!("static S: i32 = 1;\nfn f() {{ {}}}\n", "let a = S; ".repeat(n));
    super::LOOKUP_WORK.with(|w| w.set(0));
    let p = checked(&src);
    let work = super::LOOKUP_WORK.with(|w| w.get());
    assert_eq!(p.functions[0].locals.len(), n);
    assert!(work <= 2 * n as u64, "{work} entries looked at for {n} lookups");
}

// ----- issue 9: modifiers, kinds, ordinals, exports (messages and columns: corpus/errors/link_modifiers.lw and
// corpus/errors/link_kinds.lw) -----

#[test]
fn modifiers_are_parsed_into_the_block_with_where_each_was_written() {
    let src = r#"#[link(name = "a", kind = "static", modifiers = "+whole-archive,-bundle,+verbatim")] extern {}
#[link(name = "b", modifiers = "-as-needed", kind = "dylib")] extern {}
#[link(name = "c")] extern {}
#[crt] extern {}"#;
    let p = checked(src);
    let m = p.blocks[0].modifiers;
    assert_eq!(
        (m.bundle, m.whole_archive, m.verbatim, m.as_needed),
        (Some(false), Some(true), Some(true), None)
    );
    assert_eq!(m.to_string(), "-bundle,+verbatim,+whole-archive");
    let at: Vec<(crate::Modifier, &str)> = p.blocks[0]
        .modifier_spans
        .iter()
        .map(|&(m, s)| (m, &src[s.start as usize..s.end as usize]))
        .collect();
    assert_eq!(
        at,
        [
            (crate::Modifier::WholeArchive, "+whole-archive"),
            (crate::Modifier::Bundle, "-bundle"),
            (crate::Modifier::Verbatim, "+verbatim")
        ]
    );
    assert_eq!(p.blocks[1].modifiers.as_needed, Some(false));
    assert_eq!(p.blocks[2].modifiers, crate::LinkModifiers::default());
    assert!(p.blocks[3].crt && p.blocks[3].library.is_none());
    assert!(p.warnings.is_empty());
}

#[test]
fn static_nobundle_is_static_without_bundle_and_warns_in_rustcs_old_words() {
    let p =
        checked(r#"#[link(name = "s", kind = "static-nobundle", modifiers = "+whole-archive")] extern {}"#);
    let b = &p.blocks[0];
    assert_eq!(
        (b.kind, b.kind_written, b.modifiers.bundle, b.modifiers.whole_archive),
        (LinkKind::Static, true, Some(false), Some(true))
    );
    assert_eq!(p.warnings.len(), 1);
    let w = without_codes(&p.warnings[0].render(&SourceFile::new("t.lw", "")));
    assert!(
        w.starts_with(
            "warning: link kind `static-nobundle` has been superseded by specifying modifier `-bundle` with link kind \
             `static`"
        ),
        "{w}"
    );
}

#[test]
fn every_modifier_mistake_of_a_block_is_reported() {
    let (text, at) = errors(
        r#"#[link(name = "a", modifiers = "+bundle,+whole-archive,+as-needed,+verbatim,+verbatim,x,+y")] extern {}"#,
    );
    for message in [
        "linking modifier `bundle` is only compatible with `static` linking kind",
        "linking modifier `whole-archive` is only compatible with `static` linking kind",
        "linking modifier `as-needed` is only compatible with `dylib` and `raw-dylib` linking kinds",
        "multiple `verbatim` modifiers in a single `modifiers` argument",
        "invalid linking modifier syntax, expected '+' or '-' prefix",
        "unknown linking modifier `y`",
    ] {
        assert!(text.contains(message), "{message}: {text}");
    }
    assert_eq!(at, ["t.lw:1:33", "t.lw:1:41", "t.lw:1:56", "t.lw:1:77", "t.lw:1:87", "t.lw:1:89"]);
}

#[test]
fn ordinals_are_bounded_to_u16_and_belong_to_raw_dylib_blocks() {
    let p = checked(
        r#"#[link(name = "k", kind = "raw-dylib")]
extern { #[link_ordinal(1)] fn a(); #[link_ordinal(65535)] static B: i32; fn c(); }"#,
    );
    let ordinals: Vec<Option<u16>> = p.symbols.iter().map(|s| s.ordinal).collect();
    assert_eq!(ordinals, [Some(1), Some(65535), None]);
    let (text, at) = errors(
        r#"#[link(name = "k", kind = "raw-dylib")]
extern { #[link_ordinal(65536)] fn a(); #[link_ordinal(0)] fn b(); }
#[link(name = "s", kind = "static")] extern { #[link_ordinal(7)] fn c(); }"#,
    );
    assert!(text.contains("error: ordinal value in `link_ordinal` is too large: `65536`"), "{text}");
    assert!(text.contains("the value may not exceed `u16::MAX`"), "{text}");
    assert!(text.contains("error: ordinal value in `link_ordinal` must not be zero"), "{text}");
    assert!(
        text.contains("error: `#[link_ordinal]` is only supported if link kind is `raw-dylib`"),
        "{text}"
    );
    assert!(text.contains("on an item of a `static` block"), "{text}");
    assert_eq!(at, ["t.lw:2:25", "t.lw:2:56", "t.lw:3:62"]);
}

#[test]
fn export_names_are_unique_and_no_other_symbols_name() {
    let p = checked(
        r#"#[export] pub fn a() {}
#[export_name = "lw_b"] pub fn b() {}
#[export_name = "c"] pub static C: i32 = 0;
pub fn d() {}"#,
    );
    let exports: Vec<Option<&str>> = p.symbols.iter().map(|s| s.export.as_deref()).collect();
    assert_eq!(exports, [Some("a"), Some("lw_b"), Some("c"), None]);
    // An export under the name of a symbol with another name collides; one two items share is reported once.
    let (text, at) = errors(
        r#"#[export_name = "x"] pub fn a() {}
#[export_name = "x"] pub fn b() {}
#[export_name = "d"] pub fn c() {}
pub fn d() {}
#[export] pub fn e() {}
#[export_name = "e"] pub fn f() {}"#,
    );
    assert!(text.contains("error: the export name `x` is given to both `a` and `b`"), "{text}");
    assert!(text.contains("error: `c` is exported as `d`, which is the name of the symbol `d`"), "{text}");
    assert!(text.contains("error: the export name `e` is given to both `e` and `f`"), "{text}");
    assert_eq!(at, ["t.lw:2:17", "t.lw:6:17", "t.lw:3:17"]);
}

/// `rendered` with the error codes taken out of its headlines (`error[LW0425]: ` becomes `error: `), for
/// tests about what the headline says; tests/diagnostics.rs checks the codes.
fn without_codes(rendered: &str) -> String {
    let mut out = String::new();
    let mut rest = rendered;
    while let Some(at) = rest.find("[LW") {
        let code_end = rest[at..].find("]: ").map(|e| at + e + 1);
        out.push_str(&rest[..at]);
        rest = match code_end {
            Some(end) if end - at == 8 => &rest[end..],
            _ => {
                out.push_str("[LW");
                &rest[at + 3..]
            }
        };
    }
    out.push_str(rest);
    out
}
