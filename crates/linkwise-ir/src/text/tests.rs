//! Tests of the text form: contract, round trips, precedence, error labels and rendering, limits, robustness.
//! Each syntax error's message and position is a case of the error corpus (corpus/errors/, tests/errors.rs).

use super::parser::MAX_NESTING;
use super::{parse, print};
use crate::ast::*;
use crate::diag::Diagnostic;
use crate::span::SourceFile;

/// The text other tools and tests rely on; it must parse exactly like this.
const CONTRACT: &str = r#"target x86_64-pc-windows-msvc            // optional; --target overrides it

#[link(name = "msvcrt", kind = "dylib")] // kind: dylib (default) | static | static-nobundle
extern {
    fn puts(ptr) -> i32;
    fn tolower(i32) -> i32;
    #[link_name = "_environ"] static ENVIRON: ptr;
}
#[link(name = "kernel32")]
extern { fn ExitProcess(i32); }

static GREETING: [u8] = "hello\0";
pub fn main() -> i32 {
    let c = tolower(65);
    puts(&GREETING);
    return c;
}
pub fn mainCRTStartup() { ExitProcess(main()); }
"#;

/// A larger program using every construct of the language.
const EVERYTHING: &str = r#"/* A module /* with a nested */ comment. */
target aarch64-unknown-linux-gnu

#[link(kind = "static-nobundle", name = "state",)]
extern "C" {
    fn f(a: i32, ptr, c: f64) -> i64;
    static mut SHARED: i64;
    #[link_name = "real\u{e9}name"] fn g();
}
#[link(name = "sys", kind = "static")]
extern "system" { }
extern { static NOLIB: f32; }

pub static mut TABLE: [i64; 3] = [1, -2, 0x10];
static REPEAT: [f32; 4] = [0.5; 4];
static POINTERS: [ptr] = [&TABLE, "s\n\t\"\\\x01\xff", 0,];
static BYTES: [u8] = [104, 0b1010_1010, 0o17];
static NEG: f64 = -1e300;
static SMALL: f32 = 2.5e-3;
static EMPTY: [u8] = "";
static ADDR: ptr = &f;
static PI: f64 = 3.141_592_653_589_793;

fn square(x: i64) -> i64 { return x * x; }

pub fn run(target: i32, n: i64) -> i64 {
    let mut total: i64 = 0;
    let bits = !target & 0xff ^ 3 | 1 << 2 >> 1;
    for i in 0..n {
        total = total + square(i) % 7 - -1;
    }
    if target < 0 {
        return -1;
    } else if target == 0 {
        SHARED = SHARED + (bits as i64);
    } else {
        if n != 1 { } else { g(); }
    }
    let z = (1.5 / (2.0 - 3.5) + 1e10) as i32 * -(target as i32);
    f(z, "x", 1.0);
    return total + (z >= 2) as i64 + (1 <= 2) as i64 + (3 > 4) as i64;
}
"#;

fn parse_ok(src: &str) -> Module {
    let file = SourceFile::new("t.lw", src);
    parse(&file).unwrap_or_else(|d| panic!("{src}\n{}", d.render(&file)))
}

/// The first diagnostic of a failed parse, and its rendering (without its code: tests/diagnostics.rs checks
/// codes).
fn parse_err(src: &str) -> (Diagnostic, String) {
    let file = SourceFile::new("t.lw", src);
    let d = match parse(&file) {
        Ok(m) => panic!("`{src}` should not parse, but gave {m:?}"),
        Err(d) => d,
    };
    let text = d.0[0].render(&file);
    (d.0[0].clone(), text)
}

/// The `file:line:col` of a rendered diagnostic.
fn location(rendered: &str) -> &str {
    rendered.lines().find_map(|l| l.trim_start().strip_prefix("--> ")).unwrap_or("")
}

/// `parse(print(m)) == m` and `print(parse(print(m))) == print(m)`.
fn assert_round_trip(m: &Module) {
    let printed = print(m);
    let file = SourceFile::new("printed.lw", printed.as_str());
    let again = parse(&file)
        .unwrap_or_else(|d| panic!("printed text does not parse:\n{printed}\n{}", d.render(&file)));
    assert_eq!(&again, m, "print then parse changed the module; printed:\n{printed}");
    assert_eq!(print(&again), printed, "printing is not stable");
}

fn externs(m: &Module) -> Vec<&ExternBlock> {
    m.items.iter().filter_map(|i| if let Item::Extern(b) = i { Some(b) } else { None }).collect()
}

#[test]
fn the_contract_parses_to_what_it_says() {
    let file = SourceFile::new("hello.lw", CONTRACT);
    let m = parse(&file).unwrap_or_else(|d| panic!("{}", d.render(&file)));
    let target = m.target.as_ref().expect("a target");
    assert_eq!(target.value, "x86_64-pc-windows-msvc");
    assert_eq!(file.snippet(target.span), "x86_64-pc-windows-msvc");
    assert_eq!(m.items.len(), 5);

    let blocks = externs(&m);
    assert_eq!(blocks.len(), 2);
    let msvcrt = blocks[0].link.as_ref().expect("#[link] on the first block");
    assert_eq!(msvcrt.name.value, "msvcrt");
    assert_eq!(file.snippet(msvcrt.name.span), "\"msvcrt\"");
    assert_eq!(msvcrt.kind.as_ref().map(|k| k.value), Some(LinkKind::Dylib));
    assert_eq!(file.snippet(msvcrt.kind.as_ref().unwrap().span), "\"dylib\"");
    assert_eq!(file.snippet(msvcrt.span), r#"#[link(name = "msvcrt", kind = "dylib")]"#);
    assert!(blocks[0].abi.is_none());
    let block_text = file.snippet(blocks[0].span);
    assert!(
        block_text.starts_with("extern {\n    fn puts") && block_text.ends_with("ENVIRON: ptr;\n}"),
        "{block_text}"
    );

    let items = &blocks[0].items;
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].name.value, "puts");
    let ExternItemKind::Fn(puts) = &items[0].kind else { panic!("puts is a function") };
    assert_eq!(puts.params.len(), 1);
    assert!(puts.params[0].name.is_none());
    assert_eq!(puts.params[0].ty.value, Type::Ptr);
    assert_eq!(puts.ret.as_ref().map(|t| t.value), Some(Type::I32));
    assert_eq!(file.snippet(items[0].span), "fn puts(ptr) -> i32;");
    assert_eq!(file.snippet(items[1].name.span), "tolower");
    let environ = &items[2];
    assert_eq!(environ.name.value, "ENVIRON");
    let link_name = environ.link_name.as_ref().expect("link_name");
    assert_eq!(link_name.value, "_environ");
    assert_eq!(file.snippet(link_name.span), "\"_environ\"");
    assert_eq!(file.snippet(environ.span), "static ENVIRON: ptr;");
    assert!(matches!(&environ.kind, ExternItemKind::Static { mutable: false, ty } if ty.value == Type::Ptr));

    let kernel32 = blocks[1].link.as_ref().expect("#[link] on the second block");
    assert_eq!(kernel32.name.value, "kernel32");
    assert!(kernel32.kind.is_none(), "a kind not written stays unwritten");
    assert_eq!(file.snippet(blocks[1].span), "extern { fn ExitProcess(i32); }");

    let Item::Static(greeting) = &m.items[2] else { panic!("third item is GREETING") };
    assert!(!greeting.public && !greeting.mutable);
    assert_eq!(greeting.ty.value, StaticType::Array { elem: ElemType::U8, len: None });
    assert_eq!(file.snippet(greeting.ty.span), "[u8]");
    let Init::Str(bytes) = &greeting.init else { panic!("GREETING is a string") };
    assert_eq!(bytes.value, b"hello\0");
    assert_eq!(file.snippet(bytes.span), r#""hello\0""#);
    assert_eq!(file.snippet(greeting.span), r#"static GREETING: [u8] = "hello\0";"#);

    let Item::Fn(main) = &m.items[3] else { panic!("fourth item is main") };
    assert!(main.public);
    assert_eq!(file.snippet(main.name.span), "main");
    assert!(
        file.snippet(main.span).starts_with("pub fn main() -> i32 {")
            && file.snippet(main.span).ends_with("return c;\n}")
    );
    assert_eq!(main.body.stmts.len(), 3);
    let stmt = &main.body.stmts[0];
    assert_eq!(file.snippet(stmt.span), "let c = tolower(65);");
    let StmtKind::Let { mutable: false, name, ty: None, value } = &stmt.kind else { panic!("let") };
    assert_eq!(name.value, "c");
    assert_eq!(file.snippet(value.span), "tolower(65)");
    let ExprKind::Call { callee, args } = &value.kind else { panic!("a call") };
    assert_eq!(callee.value, "tolower");
    assert_eq!(args[0].kind, ExprKind::Int(65));
    let StmtKind::Expr(call) = &main.body.stmts[1].kind else { panic!("an expression statement") };
    let ExprKind::Call { args, .. } = &call.kind else { panic!("a call") };
    assert!(matches!(&args[0].kind, ExprKind::AddrOf(n) if n.value == "GREETING"));
    assert_eq!(file.snippet(args[0].span), "&GREETING");
    assert!(matches!(&main.body.stmts[2].kind, StmtKind::Return(Some(e)) if file.snippet(e.span) == "c"));

    let Item::Fn(start) = &m.items[4] else { panic!("fifth item is mainCRTStartup") };
    assert_eq!(start.name.value, "mainCRTStartup");
    assert!(start.sig.ret.is_none() && start.sig.params.is_empty());
    assert_eq!(file.snippet(start.body.stmts[0].span), "ExitProcess(main());");
}

#[test]
fn the_contract_prints_in_canonical_layout() {
    let expected = r#"target x86_64-pc-windows-msvc

#[link(name = "msvcrt", kind = "dylib")]
extern {
    fn puts(ptr) -> i32;
    fn tolower(i32) -> i32;
    #[link_name = "_environ"] static ENVIRON: ptr;
}

#[link(name = "kernel32")]
extern {
    fn ExitProcess(i32);
}

static GREETING: [u8] = "hello\0";

pub fn main() -> i32 {
    let c = tolower(65);
    puts(&GREETING);
    return c;
}

pub fn mainCRTStartup() {
    ExitProcess(main());
}
"#;
    assert_eq!(print(&parse_ok(CONTRACT)), expected);
    assert_eq!(print(&Module::default()), "");
}

#[test]
fn everything_round_trips() {
    assert_round_trip(&parse_ok(CONTRACT));
    assert_round_trip(&parse_ok(EVERYTHING));
    for snippet in [
        "",
        "target thumbv7em-none-eabihf",
        "target x86_64-apple-macosx10.15.0 /* dots are part of a triple */",
        "extern {}",
        "extern \"C\" { fn f(a: i32, ptr, c: f64,) -> i64; static mut X: i8; static Y: i16; }",
        "#[link(kind = \"static-nobundle\", name = \"z\")] extern { }",
        "#[link(name = \"we\\u{ee}rd-\\\"name\\\"\")] extern \"system\" { fn f(); }",
        "pub static mut T: [i64; 3] = [1, -2, 0x10];",
        "static R: [f32; 4] = [0.5; 4];",
        "static Z: [i8; 0] = [];",
        "static Q: [ptr; 2] = [&T; 2];",
        "static P: [ptr] = [&T, \"s\\n\\t\\\"\\\\\\x01\\xff\", 0,];",
        "static F: f64 = -1e300;",
        "static G: f32 = 2.5e-3;",
        "static H: f64 = 5e-324;",
        "static I: f64 = 0.1;",
        "static J: f64 = 1e16;",
        "static K: f64 = 123456789.125;",
        "static E: [u8] = \"\";",
        "static U: [u8] = \"\\u{e9}\\u{1F600}\\r\\0\\'\";",
        "static RAW: [u8] = \"two\nlines and caf\u{e9}\";",
        "static M: i64 = 18446744073709551615;",
        "fn f(target: i32) -> i32 { return target; }",
        "fn target() { let target = 1; target = target + 1; }",
        "fn f() {}",
        "fn f() { if 1 { } else if 2 { } else { g(); } }",
        "fn f() { if 1 {} else { if 2 { h(); } } }",
        "fn f() { if 1 { g(); } else { if 2 {} h(); } }",
        "fn f() { if a { b(); } else if c {} else if d { e(); } }",
        "fn f() { for i in 0..10 { for j in i..(i + 2) { } } }",
        "fn f() { for i in 1.5..2e3 {} for j in -1..-(2) {} }",
        "fn f() -> i64 { let mut x: i64 = -(1 - 2) * 3; x = x << 2 >> 1; return !x ^ x & 1 | 2; }",
        "fn f() -> i32 { return (1 < 2) == (3 >= 4); }",
        "fn f() -> i32 { return -x as i32 + (y as i64) as i32 % -(-3); }",
        "fn f() -> i32 { return - -1 + !-x + -!x + !!x; }",
        "fn f() -> f64 { return 1.0 / (2.0 - 3.5) + 1e10; }",
        "fn f() { return; }",
        "fn f() { g(); g(1,); x; \"s\"; &Y; (1); }",
        "fn f() { a - (b - c); (a - b) - c; a * (b + c); (a * b) + c; a << (b << c); }",
        "fn f() { -(x as i64); (-x) as i64; !(a + b); (!a) + b; (a + b) as i32; }",
        "fn f() { a == (b < c); (a == b) != c; a & (b == c); (a | b) ^ c; }",
    ] {
        assert_round_trip(&parse_ok(snippet));
    }
}

#[test]
fn printing_uses_the_fewest_parentheses() {
    fn reprint(src_expr: &str) -> String {
        let printed = print(&parse_ok(&format!("fn f() {{ {src_expr}; }}")));
        let line = printed.lines().nth(1).unwrap_or_default();
        line.trim().trim_end_matches(';').to_owned()
    }
    for (written, canonical) in [
        ("a - (b - c)", "a - (b - c)"),
        ("(a - b) - c", "a - b - c"),
        ("((a))", "a"),
        ("a * (b + c)", "a * (b + c)"),
        ("(a * b) + c", "a * b + c"),
        ("-(x as i64)", "-(x as i64)"),
        ("(-x) as i64", "-x as i64"),
        ("(x as i32) as i64", "x as i32 as i64"),
        ("(a + b) as i32", "(a + b) as i32"),
        ("-(-1)", "- -1"),
        ("- -1", "- -1"),
        ("--1", "- -1"),
        ("-(-(-x))", "- - -x"),
        ("!(-x)", "!-x"),
        ("(a < b) == c", "(a < b) == c"),
        ("a == (b < c)", "a == (b < c)"),
        ("(a & b) < c", "a & b < c"),
        ("a & (b < c)", "a & (b < c)"),
        ("(a | b) | c", "a | b | c"),
        ("a | (b | c)", "a | (b | c)"),
        ("f((1 + 2), (g(3)))", "f(1 + 2, g(3))"),
        ("1.0 + 2e300", "1.0 + 2e300"),
    ] {
        assert_eq!(reprint(written), canonical, "{written}");
    }

    // Trees built in code print with the parentheses they need, as text that parses back to them.
    let e = |kind| Box::new(Expr::dummy(kind));
    let name = |n: &str| e(ExprKind::Name(Spanned::dummy(n.to_owned())));
    let neg = |x| ExprKind::Unary(UnaryOp::Neg, x);
    let sub = |l, r| ExprKind::Binary(BinaryOp::Sub, l, r);
    let values = [
        neg(e(neg(e(ExprKind::Int(1))))),
        neg(e(ExprKind::Float(FloatLit::from_f64(2.0)))),
        sub(name("a"), e(sub(name("b"), name("c")))),
        sub(e(sub(name("a"), name("b"))), name("c")),
        ExprKind::Cast(
            e(neg(e(ExprKind::Cast(name("x"), Spanned::dummy(Type::I64))))),
            Spanned::dummy(Type::F64),
        ),
        ExprKind::Binary(BinaryOp::Lt, e(ExprKind::Binary(BinaryOp::Lt, name("a"), name("b"))), name("c")),
    ];
    let body = values
        .into_iter()
        .map(|kind| Stmt { kind: StmtKind::Expr(Expr::dummy(kind)), span: Span::DUMMY })
        .collect();
    let module = Module {
        target: None,
        items: vec![Item::Fn(FnDef {
            public: false,
            export: Export::default(),
            name: Spanned::dummy("f".to_owned()),
            sig: Signature { params: Vec::new(), ret: None },
            body: Block { stmts: body, span: Span::DUMMY },
            span: Span::DUMMY,
        })],
    };
    assert_eq!(
        print(&module),
        "fn f() {\n    - -1;\n    -2.0;\n    a - (b - c);\n    a - b - c;\n    -(x as i64) as f64;\n    (a < b) < c;\n}\n"
    );
    assert_round_trip(&module);
}

/// The expression of `return EXPR;` in a function.
fn returned(src_expr: &str) -> Expr {
    let m = parse_ok(&format!("fn f() {{ return {src_expr}; }}"));
    let Item::Fn(f) = &m.items[0] else { panic!("a function") };
    let StmtKind::Return(Some(e)) = &f.body.stmts[0].kind else { panic!("a return") };
    e.clone()
}

/// A fully parenthesized rendering of an expression tree.
fn shape(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(n) => n.to_string(),
        ExprKind::Float(x) => format!("{:?}", x.f64),
        ExprKind::Name(n) => n.value.clone(),
        ExprKind::AddrOf(n) => format!("&{}", n.value),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Call { callee, args } => {
            format!("{}({})", callee.value, args.iter().map(shape).collect::<Vec<_>>().join(", "))
        }
        ExprKind::Binary(op, l, r) => format!("({} {} {})", shape(l), op.as_str(), shape(r)),
        ExprKind::Unary(UnaryOp::Neg, x) => format!("(-{})", shape(x)),
        ExprKind::Unary(UnaryOp::Not, x) => format!("(!{})", shape(x)),
        ExprKind::Cast(x, t) => format!("({} as {})", shape(x), t.value),
    }
}

#[test]
fn precedence_and_associativity_follow_rust() {
    for (src, expected) in [
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("1 * 2 + 3", "((1 * 2) + 3)"),
        ("1 - 2 - 3", "((1 - 2) - 3)"),
        ("8 / 4 / 2 % 3", "(((8 / 4) / 2) % 3)"),
        ("a | b ^ c & d", "(a | (b ^ (c & d)))"),
        ("a & b ^ c | d", "(((a & b) ^ c) | d)"),
        ("a << 1 + 2", "(a << (1 + 2))"),
        ("a >> b << c", "((a >> b) << c)"),
        ("a & b << c", "(a & (b << c))"),
        ("a + b == c * d", "((a + b) == (c * d))"),
        ("a | b < c ^ d", "((a | b) < (c ^ d))"),
        ("-a as i64 * 2", "(((-a) as i64) * 2)"),
        ("!a & b", "((!a) & b)"),
        ("--a", "(-(-a))"),
        ("!-a", "(!(-a))"),
        ("a as i64 as i32", "((a as i64) as i32)"),
        ("a + b as f64", "(a + (b as f64))"),
        ("(1 + 2) * 3", "((1 + 2) * 3)"),
        ("-(1 + 2)", "(-(1 + 2))"),
        ("f(1 + 2, g(x) * 3)", "f((1 + 2), (g(x) * 3))"),
        ("&X == 0 as ptr", "(&X == (0 as ptr))"),
        ("1.5 - 2", "(1.5 - 2)"),
    ] {
        assert_eq!(shape(&returned(src)), expected, "{src}");
    }
}

#[test]
fn spans_cover_what_was_written() {
    let src = "fn f() -> i32 {\n    let x = (a + b) * -c as i64;\n    if x { g(1, 2); } else if y {}\n    return h();\n}";
    let file = SourceFile::new("t.lw", src);
    let m = parse(&file).unwrap();
    let Item::Fn(f) = &m.items[0] else { panic!() };
    assert_eq!(file.snippet(f.span), src);
    assert_eq!(file.snippet(f.body.span), &src[src.find('{').unwrap()..]);
    assert_eq!(file.snippet(f.sig.ret.as_ref().unwrap().span), "i32");
    let StmtKind::Let { value, .. } = &f.body.stmts[0].kind else { panic!() };
    assert_eq!(file.snippet(value.span), "(a + b) * -c as i64");
    let ExprKind::Binary(BinaryOp::Mul, l, r) = &value.kind else { panic!() };
    assert_eq!(file.snippet(l.span), "(a + b)");
    assert_eq!(file.snippet(r.span), "-c as i64");
    let ExprKind::Cast(neg, ty) = &r.kind else { panic!() };
    assert_eq!(file.snippet(neg.span), "-c");
    assert_eq!(file.snippet(ty.span), "i64");
    let if_stmt = &f.body.stmts[1];
    assert_eq!(file.snippet(if_stmt.span), "if x { g(1, 2); } else if y {}");
    let StmtKind::If { then, otherwise: Some(otherwise), .. } = &if_stmt.kind else { panic!() };
    assert_eq!(file.snippet(then.stmts[0].span), "g(1, 2);");
    assert_eq!(file.snippet(otherwise.span), "if y {}");
    assert_eq!(file.snippet(f.body.stmts[2].span), "return h();");

    let src = "#[link(name = \"m\")]\nextern \"C\" {\n    #[link_name = \"x\"] static mut X: i32;\n}\npub static mut T: [i32; 2] = [1, -2];\nstatic R: [u8; 3] = [7; 3];";
    let file = SourceFile::new("t.lw", src);
    let m = parse(&file).unwrap();
    let Item::Extern(b) = &m.items[0] else { panic!() };
    assert_eq!(file.snippet(b.link.as_ref().unwrap().span), "#[link(name = \"m\")]");
    assert_eq!(file.snippet(b.span), "extern \"C\" {\n    #[link_name = \"x\"] static mut X: i32;\n}");
    assert_eq!(file.snippet(b.abi.as_ref().unwrap().span), "\"C\"");
    assert_eq!(b.abi.as_ref().unwrap().value, "C");
    assert_eq!(file.snippet(b.items[0].span), "static mut X: i32;");
    let Item::Static(t) = &m.items[1] else { panic!() };
    assert_eq!(file.snippet(t.span), "pub static mut T: [i32; 2] = [1, -2];");
    assert_eq!(file.snippet(t.ty.span), "[i32; 2]");
    let Init::List(items, list_span) = &t.init else { panic!() };
    assert_eq!(file.snippet(*list_span), "[1, -2]");
    assert_eq!(file.snippet(items[1].span), "-2");
    assert_eq!(items[1].kind, ExprKind::Unary(UnaryOp::Neg, Box::new(Expr::dummy(ExprKind::Int(2)))));
    let Item::Static(r) = &m.items[2] else { panic!() };
    let Init::Repeat(value, count, span) = &r.init else { panic!() };
    assert_eq!((value.kind.clone(), count.value), (ExprKind::Int(7), 3));
    assert_eq!((file.snippet(count.span), file.snippet(*span)), ("3", "[7; 3]"));
}

#[test]
fn literals_and_strings_decode() {
    for (src, expected) in [
        ("0", 0),
        ("1_000", 1000),
        ("0x_Ff", 255),
        ("0o17", 15),
        ("0b1010_1010", 170),
        ("007", 7),
        ("18446744073709551615", u64::MAX),
        ("0xffff_ffff_ffff_ffff", u64::MAX),
    ] {
        assert_eq!(returned(src).kind, ExprKind::Int(expected), "{src}");
    }
    for (src, expected) in
        [("1.5", 1.5), ("1e3", 1e3), ("2.5e-3", 2.5e-3), ("1E+2", 100.0), ("1_0.2_5", 10.25), ("1e-400", 0.0)]
    {
        assert_eq!(returned(src).kind, ExprKind::Float(FloatLit::from_f64(expected)), "{src}");
    }
    let ExprKind::Str(bytes) = returned(
        r#""a\n\r\t\0\\\"\'\x41\xff\u{e9}\u{1F600}é
z""#,
    )
    .kind
    else {
        panic!("a string")
    };
    let mut expected = b"a\n\r\t\0\\\"'A\xff".to_vec();
    expected.extend_from_slice("é😀é\nz".as_bytes());
    assert_eq!(bytes, expected);

    assert_eq!(
        returned("\"ab\\\n    \\\r\n\tcd\"").kind,
        ExprKind::Str(b"abcd".to_vec()),
        "line continuations"
    );

    // `0..10` is an integer, `..`, an integer; so are the bounds written around other expressions.
    let m = parse_ok("fn f() { for i in 0..10 {} for j in 1.5..2 {} }");
    let Item::Fn(f) = &m.items[0] else { panic!() };
    let StmtKind::For { var, start, end, .. } = &f.body.stmts[0].kind else { panic!() };
    assert_eq!((var.value.as_str(), &start.kind, &end.kind), ("i", &ExprKind::Int(0), &ExprKind::Int(10)));
    let StmtKind::For { start, end, .. } = &f.body.stmts[1].kind else { panic!() };
    assert_eq!((&start.kind, &end.kind), (&ExprKind::Float(FloatLit::from_f64(1.5)), &ExprKind::Int(2)));

    // Comments nest and can sit anywhere whitespace can, including between `target` and its triple.
    let m = parse_ok("\u{feff}/* a /* b */ c */ target // x\n /* y */ riscv64gc-unknown-none-elf // z\n");
    assert_eq!(m.target.map(|t| t.value).as_deref(), Some("riscv64gc-unknown-none-elf"));
    // `target` is only special where an item starts.
    let m = parse_ok("fn target(target: i32) -> i32 { target = target; return target; }");
    assert!(m.target.is_none());
}

// Each syntax error's message and file:line:col: corpus/errors/{syntax,literals,link_attributes}.lw, run by
// tests/errors.rs (which also checks that a syntax error is reported alone and points at its primary label).

#[test]
fn errors_carry_the_labels_and_help_a_user_needs() {
    let (d, rendered) =
        parse_err("#[link(name = \"msvcrt\", kind = \"dynamic\")]\nextern { fn puts(ptr) -> i32; }");
    assert_eq!(d.labels.len(), 1);
    assert_eq!(d.labels[0].message, "expected one of `dylib`, `static`, `static-nobundle`, `raw-dylib`");
    assert!(rendered.contains(" --> t.lw:1:32\n"), "{rendered}");
    assert!(rendered.contains("^^^^^^^^^ expected one of"), "{rendered}");

    let (d, _) = parse_err("extern { fn f(int); }");
    assert_eq!(d.help, ["the value types are `i8`, `i16`, `i32`, `i64`, `f32`, `f64` and `ptr`"]);
    let (d, _) = parse_err("fn f() -> u8 {}");
    assert!(d.help[0].starts_with("`u8` is only an array element type"), "{:?}", d.help);

    let (d, rendered) = parse_err("fn f() -> i32 { return 1 < 2 < 3; }");
    assert!(d.help[0].contains("parentheses"), "{rendered}");
    assert_eq!(d.labels.iter().filter(|l| !l.primary).count(), 1, "the first comparison is shown too");

    let src = "target a\nfn f() {}\ntarget b";
    let (d, rendered) = parse_err(src);
    let file = SourceFile::new("t.lw", src);
    let spans: Vec<&str> = d.labels.iter().map(|l| file.snippet(l.span)).collect();
    assert_eq!(spans, ["target b", "target a"], "{rendered}");
    assert!(!d.labels[1].primary);

    let (d, _) = parse_err("fn f() {\n    g(1);\n");
    let file = SourceFile::new("t.lw", "fn f() {\n    g(1);\n");
    assert_eq!(file.snippet(d.labels[1].span), "{", "the unclosed brace is shown");

    let (d, _) = parse_err("fn f() { g(\"\\q\"); }");
    assert_eq!(d.labels[0].span, Span::new(12, 14), "the label covers the escape");
}

#[test]
fn nesting_is_limited_instead_of_overflowing_the_stack() {
    let deep = [
        format!("fn f() -> i32 {{ return {}1{}; }}", "(".repeat(10_000), ")".repeat(10_000)),
        format!("fn f() -> i32 {{ return {}1; }}", "-".repeat(10_000)),
        format!("fn f() -> i32 {{ return {}1; }}", "!-".repeat(5_000)),
        format!("fn f() -> i32 {{ return {}1{}; }}", "g(".repeat(10_000), ")".repeat(10_000)),
        format!("fn f() -> i32 {{ return 1{}; }}", " + 1".repeat(10_000)),
        format!("fn f() -> i32 {{ return 1{}; }}", " as i32".repeat(10_000)),
        format!("fn f() {{ {} }}", "if 1 { ".repeat(5_000)),
        format!("fn f() {{ {} }}", "for i in 0..1 { ".repeat(5_000)),
        format!("fn f() {{ if 1 {{}}{} }}", " else if 1 {}".repeat(5_000)),
        format!("static S: i32 = {}1;", "(".repeat(10_000)),
    ];
    for src in &deep {
        let (d, rendered) = parse_err(src);
        let expected = if src.starts_with("static") {
            "expected initial value, found `(`"
        } else {
            "expression nested too deeply"
        };
        assert_eq!(d.message, expected, "{}", &rendered[..rendered.len().min(300)]);
    }
    // Well within the limit is fine, and prints back.
    for src in [
        format!("fn f() -> i32 {{ return {}1{}; }}", "(".repeat(150), ")".repeat(150)),
        format!("fn f() -> i32 {{ return {}1; }}", "-".repeat(150)),
        format!("fn f() -> i32 {{ return 1{}; }}", " + 1".repeat(150)),
        format!("fn f() {{ {}{} }}", "if 1 { ".repeat(90), "}".repeat(90)),
        format!("fn f() {{ if 1 {{}}{} }}", " else if 1 {}".repeat(150)),
    ] {
        assert_round_trip(&parse_ok(&src));
    }
}

/// The property checked on arbitrary text: parsing returns; an error is one error diagnostic with a primary
/// label inside the text that renders; a success round-trips through the printer.
fn check_any(src: &str) {
    let file = SourceFile::new("t.lw", src);
    match parse(&file) {
        Ok(m) => assert_round_trip(&m),
        Err(d) => {
            // Every syntax error, up to the limit (issue 13).
            assert!(!d.0.is_empty() && d.0.len() <= super::parser::MAX_ERRORS, "{src:?}");
            for diag in &d.0 {
                assert!(diag.is_error(), "{src:?}");
                assert!(
                    diag.labels.iter().any(|l| l.primary),
                    "no primary label for `{}` on {src:?}",
                    diag.message
                );
                for label in &diag.labels {
                    let (start, end) = (label.span.start as usize, label.span.end as usize);
                    assert!(start <= end && end <= src.len(), "label {start}..{end} outside {src:?}");
                    assert!(
                        src.is_char_boundary(start) && src.is_char_boundary(end),
                        "label inside a character: {src:?}"
                    );
                }
                assert!(diag.render(&file).contains(" --> t.lw:"), "{src:?}");
            }
        }
    }
}

#[test]
fn every_prefix_returns() {
    for program in [CONTRACT, EVERYTHING] {
        for (i, _) in program.char_indices() {
            check_any(&program[..i]);
        }
        check_any(program);
    }
}

/// A xorshift64 generator: deterministic, no dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn mutated_programs_return() {
    const PIECES: &[&[u8]] = &[
        b"(",
        b")",
        b"{",
        b"}",
        b"[",
        b"]",
        b"#",
        b"#[",
        b"\"",
        b"\\",
        b"\\x",
        b"\\u{",
        b"/*",
        b"*/",
        b"//",
        b"-",
        b"..",
        b".",
        b"0x",
        b"e",
        b"1e",
        b"as",
        b"if",
        b"else",
        b"\n",
        b"\xc3\xa9",
        b"\xff",
        b"\0",
        b"<",
        b"==",
        b"&",
        b"&&",
        b";",
        b",",
        b"=",
        b"target ",
        b"pub ",
        b"mut ",
        b"99999999999999999999",
        b"1e999",
        b"u8",
        b"0",
        b"x",
        b" ",
        b"extern ",
        b"fn ",
        b"static ",
        b"let ",
        b"return ",
        b"for i in 0..1 ",
    ];
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut parsed = 0;
    for round in 0..4000 {
        let base = if round % 2 == 0 { CONTRACT } else { EVERYTHING };
        let mut bytes = base.as_bytes().to_vec();
        for _ in 0..=rng.below(4) {
            let at = rng.below(bytes.len() + 1);
            match rng.below(4) {
                0 => {
                    let end = (at + 1 + rng.below(8)).min(bytes.len());
                    bytes.drain(at.min(end)..end);
                }
                1 => {
                    let piece = PIECES[rng.below(PIECES.len())];
                    bytes.splice(at..at, piece.iter().copied());
                }
                2 if at < bytes.len() => bytes[at] = rng.next() as u8,
                _ => {
                    let end = (at + rng.below(16)).min(bytes.len());
                    let copy = bytes[at..end].to_vec();
                    let to = rng.below(bytes.len() + 1);
                    bytes.splice(to..to, copy);
                }
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        if parse(&SourceFile::new("t.lw", text.as_ref())).is_ok() {
            parsed += 1;
        }
        check_any(&text);
    }
    // Both outcomes must occur, or the test says nothing about one of them.
    assert!(parsed > 100 && parsed < 3900, "{parsed} of 4000 mutations parsed");
}

#[test]
fn the_deepest_accepted_inputs_fit_a_small_stack() {
    // Just inside the limit, each kind of nesting alone. Parsing, printing and dropping them must fit in
    // 1 MiB of stack even unoptimized (threads get 2 MiB by default).
    let n = MAX_NESTING as usize - 1;
    let inputs = [
        format!("fn f() -> i32 {{ return {}1{}; }}", "(".repeat(n), ")".repeat(n)),
        format!("fn f() -> i32 {{ return {}1{}; }}", "g(".repeat(n), ")".repeat(n)),
        format!("fn f() -> i32 {{ return {}1; }}", "-".repeat(n)),
        format!("fn f() -> i32 {{ return 1{}; }}", " + 1".repeat(n)),
        format!("fn f() -> i32 {{ return 1{}; }}", " as i32".repeat(n)),
        format!("fn f() {{ {}{} }}", "for i in 0..1 { ".repeat(n - 1), "}".repeat(n - 1)),
        format!("fn f() {{ {}{} }}", "if 1 { ".repeat(n / 2), "}".repeat(n / 2)),
        format!("fn f() {{ if 1 {{}}{} }}", " else if 1 {}".repeat(n - 2)),
    ];
    let worker = std::thread::Builder::new().stack_size(1 << 20).spawn(move || {
        for src in &inputs {
            let m = parse_ok(src);
            assert_round_trip(&m);
        }
    });
    worker.expect("spawn").join().expect("no stack overflow");
}

#[test]
fn the_examples_in_the_reference_parse() {
    let doc = include_str!("../../../../docs/ir.md");
    let blocks: Vec<&str> = doc.split("```").skip(1).step_by(2).map(|b| b.trim_start_matches('\n')).collect();
    let modules = [
        "target x86_64-pc-windows-msvc  ",
        "#[link(name = \"msvcrt\")]\nextern",
        "pub static mut",
        "fn square",
    ];
    let mut checked = 0;
    for block in &blocks {
        if modules.iter().any(|m| block.starts_with(m)) {
            assert_round_trip(&parse_ok(block));
            checked += 1;
        } else if block.starts_with("let x = 1;") {
            assert_round_trip(&parse_ok(&format!("fn f() {{\n{}\n}}", block.replace("...", ""))));
            checked += 1;
        } else if block.starts_with("error[LW0301]: unknown link kind") {
            let src = "// line 1\n#[link(name = \"msvcrt\", kind = \"dynamic\")]\nextern {}\n";
            let file = SourceFile::new("hello.lw", src);
            let rendered = parse(&file).expect_err("an unknown kind").render(&file);
            assert_eq!(&rendered, block);
            checked += 1;
        }
    }
    assert_eq!(checked, 6, "every example is found");
    assert!(blocks.iter().any(|b| b.starts_with(CONTRACT)), "the reference shows the contract as it is");
}

#[test]
fn the_repository_programs_round_trip() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut parsed = 0;
    for dir in ["corpus", "examples", "tests/programs"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        for path in entries.flatten().map(|e| e.path()) {
            if path.extension().is_some_and(|e| e == "lw") {
                let src = std::fs::read_to_string(&path).unwrap_or_default();
                // Files that demonstrate syntax errors are covered by `check_any` like any other text.
                if parse(&SourceFile::new("t.lw", src.as_str())).is_ok() {
                    parsed += 1;
                }
                check_any(&src);
            }
        }
    }
    assert!(parsed >= 5, "only {parsed} programs found");
}

/// Issue 7, defect 2: a float literal keeps its text's `f32` reading, and the printer writes one that reads
/// back as the same `f64` and the same `f32`, even where the shortest `f64` form would not: on the boundary
/// between two `f32`s the shortest form lies on one side of it, the text on either.
#[test]
fn float_literals_on_an_f32_rounding_boundary_keep_both_values() {
    // Each text rounds (as f64) exactly onto an f32 rounding boundary: the midpoint of two f32s.
    let cases = [
        ("1.0000001788139343261718750000001", 1.000_000_178_813_934_3, 0x3f80_0002),
        ("1.0000001788139343261718749999999", 1.000_000_178_813_934_3, 0x3f80_0001),
        ("2.1019476964872256063855943749349e-45", 3.0 * 2f64.powi(-150), 0x0000_0002),
        ("2.1019476964872256063855943749348e-45", 3.0 * 2f64.powi(-150), 0x0000_0001),
        ("20282410812577490038576425992192.000001", 16_777_217.0 * 2f64.powi(80), 0x7380_0001),
        ("20282410812577490038576425992191.999999", 16_777_217.0 * 2f64.powi(80), 0x7380_0000),
    ];
    for (text, f64_value, f32_bits) in cases {
        let ExprKind::Float(x) = returned(text).kind else { panic!("{text} is a float") };
        assert_eq!((x.f64, x.f32.to_bits()), (f64_value, f32_bits), "{text}");
    }
    let texts: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let src =
        format!("static S: [f32; 6] = [{}];\nfn f() -> f32 {{ return -{}; }}\n", texts.join(", "), texts[0]);
    assert_round_trip(&parse_ok(&src));
    // Every midpoint written out exactly reads as the even f32 of the two, above or below it; the printer
    // keeps that choice wherever the midpoint's shortest form lies. Midpoints across the whole range.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut texts = Vec::new();
    for _ in 0..300 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let below = f32::from_bits((seed >> 33) as u32 % 0x7f7f_ffff);
        let above = f32::from_bits(below.to_bits() + 1);
        let midpoint = (f64::from(below) + f64::from(above)) / 2.0;
        let text = format!("{midpoint:.1100e}");
        let even = if below.to_bits().is_multiple_of(2) { below } else { above };
        let ExprKind::Float(x) = returned(&text).kind else { panic!("{text} is a float") };
        assert_eq!((x.f64, x.f32), (midpoint, even), "{text}");
        texts.push(text);
    }
    assert_round_trip(&parse_ok(&format!("static S: [f32; 300] = [{}];", texts.join(", "))));
    // Everywhere else the shortest form is kept.
    assert_eq!(
        print(&parse_ok("static S: f32 = 1.00000017881393432617187;")),
        "static S: f32 = 1.0000001788139343;\n"
    );
}

/// The shown source line and the underline under it, from a rendered diagnostic with one label.
fn snippet_lines(rendered: &str) -> (&str, &str) {
    let lines: Vec<&str> = rendered.lines().collect();
    let at = lines.iter().position(|l| l.trim_start().starts_with("--> ")).expect("a location");
    (lines[at + 2], lines[at + 3])
}

/// Issue 7, defect 8: a diagnostic on a very long line shows a window of it around the caret, not the whole
/// line (a 50 MB line used to be echoed whole, with as many spaces again before its caret).
#[test]
fn long_lines_are_clipped_around_the_caret() {
    let filler = "abcdefghij".repeat(100_000);
    let cases = [
        // The mistake in the middle of a 2 MB line: clipped on both sides.
        (format!("fn f() {{ /*{filler}*/ @ /*{filler}*/ }}"), "...", "..."),
        // Near its start: only the right is clipped.
        (format!("fn f() {{ @ /*{filler}*/ }}"), "", "..."),
        // At its end: only the left, and the caret still follows the last character.
        (format!("fn f() {{ /*{filler}*/ @"), "...", ""),
        // Characters that are not bytes: the window and the caret count characters.
        (format!("fn f() {{ /*{}*/ @ /*{}*/ }}", "é€😀".repeat(300_000), "é".repeat(300_000)), "...", "..."),
    ];
    for (src, left, right) in &cases {
        let (d, rendered) = parse_err(src);
        assert!(d.message.contains("`@`"), "{}", &rendered[..300]);
        assert!(
            rendered.len() < 1000,
            "{} bytes:\n{}",
            rendered.len(),
            &rendered[..1000.min(rendered.len())]
        );
        let column = |text: &str, c: char| text.chars().position(|x| x == c);
        let col = column(src, '@').unwrap() + 1;
        assert_eq!(location(&rendered), format!("t.lw:1:{col}"), "the location is not clipped");
        let (shown, underline) = snippet_lines(&rendered);
        let body = shown.strip_prefix("1 | ").expect("line 1");
        assert!(body.starts_with(left) && body.ends_with(right), "{shown}");
        assert!(body.chars().count() <= 126, "{shown}");
        // Terminal columns: an emoji is two wide (annotate-snippets measures with Unicode widths).
        let width = |c: char| if c as u32 >= 0x1f000 { 2 } else { 1 };
        let display =
            |text: &str, c: char| text.find(c).map(|at| text[..at].chars().map(width).sum::<usize>());
        assert_eq!(
            display(underline, '^'),
            display(shown, '@'),
            "the caret is under it:\n{shown}\n{underline}"
        );
        assert!(underline.ends_with('^') || underline.contains("^ "), "{underline}");
    }
    // A short line is shown whole, as before.
    let (_, rendered) = parse_err("fn f() { @ }");
    assert_eq!(
        snippet_lines(&rendered),
        ("1 | fn f() { @ }", "  |          ^ not valid in linkwise source"),
        "{rendered}"
    );
}

/// Tabs are shown as four spaces, as rustc shows them, so the caret stays under the mistake whatever the
/// terminal's tab stops.
#[test]
fn carets_line_up_after_tabs() {
    let (_, rendered) = parse_err("fn f() {\n\t\tlet x = 1;\tx = @;\n}");
    let (shown, underline) = snippet_lines(&rendered);
    assert_eq!(shown, "2 |         let x = 1;    x = @;", "{rendered}");
    assert_eq!(underline.find('^'), shown.find('@'), "{rendered}");
    assert_eq!(location(&rendered), "t.lw:2:18", "columns still count characters");
}

/// Control characters in a source line are shown as symbols, never written raw to the user's terminal: an ESC
/// sequence in a file must not reach it, and a NUL-filled file printed invisible bytes (issue 7, defect 8).
#[test]
fn control_characters_are_shown_as_symbols() {
    let (_, rendered) = parse_err("fn f() { let x = \u{1b}[2J\u{202e}; }\0");
    let (shown, underline) = snippet_lines(&rendered);
    assert_eq!(shown, "1 | fn f() { let x = \u{241b}[2J\u{fffd}; }\u{2400}", "{rendered}");
    assert!(!rendered.chars().any(|c| c.is_control() && c != '\n'), "{rendered:?}");
    assert_eq!(
        underline.chars().position(|c| c == '^'),
        shown.chars().position(|c| c == '\u{241b}'),
        "{rendered}"
    );
}

/// Issue 7, defect 11: docs/ir.md states the depth limits, and the parser enforces exactly those: 200
/// operators deep is accepted (a sum of 201 terms), 201 is not (202 terms); 200 levels of nesting, the
/// function's body being the first.
#[test]
fn the_documented_depth_limits_are_the_enforced_ones() {
    let doc = include_str!("../../../../docs/ir.md").replace('\n', " ");
    let n = MAX_NESTING as usize;
    for claim in [
        format!("at most {n} levels deep"),
        format!("at most {} parentheses and a function at most {} nested `if`s", n - 1, n / 2 - 1),
        format!(
            "more than {n} operators deep (a sum of {} terms is accepted, one of {} is too deep)",
            n + 1,
            n + 2
        ),
    ] {
        assert!(doc.contains(&claim), "docs/ir.md says `{claim}`");
    }
    let sum = |terms: usize| format!("fn f() -> i32 {{ return 1{}; }}", " + 1".repeat(terms - 1));
    let parens = |k: usize| format!("fn f() -> i32 {{ return {}1{}; }}", "(".repeat(k), ")".repeat(k));
    let negs = |k: usize| format!("fn f() -> i32 {{ return {}1; }}", "-".repeat(k));
    let ifs = |k: usize| format!("fn f() {{ {}{} }}", "if 1 { ".repeat(k), "}".repeat(k));
    for (name, deepest, too_deep) in [
        ("sum", sum(n + 1), sum(n + 2)),
        ("parentheses", parens(n - 1), parens(n)),
        ("negations", negs(n - 1), negs(n)),
        ("ifs", ifs(n / 2 - 1), ifs(n / 2)),
    ] {
        assert_round_trip(&parse_ok(&deepest));
        let (d, _) = parse_err(&too_deep);
        assert_eq!(d.message, "expression nested too deeply", "{name}");
    }
}

/// A function parsed on its own (streaming: `parse_function`, once per function) lexes
/// from its own offset, not from the start of the text: a module whose long leading comment is followed by
/// many functions lexed that comment again for every function, O(comment × functions) (review of issue 10:
/// 4 MiB of comment before 20,000 one-line functions is 80 GB of bytes stepped over).
#[test]
fn a_function_parsed_on_its_own_lexes_only_its_own_text() {
    let comment = format!("/* {} */\n// {}\n", "c".repeat(100_000), "d".repeat(100_000));
    let text = format!("{comment}{}", "pub fn f(x: i32) -> i32 { return x; }\n".repeat(3));
    let file = SourceFile::new("m.lw", text.clone());
    let outline = super::parse_outline(&file).expect("outlines");
    let functions: Vec<&FnDef> = outline
        .module
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Fn(f) => Some(f),
            _ => None,
        })
        .collect();
    assert_eq!(functions.len(), 3);
    for f in functions {
        super::lexer::LEXED.with(|c| c.set(0));
        let parsed = super::parse_function(&file, f.span).expect("parses");
        let lexed = super::lexer::LEXED.with(|c| c.get());
        assert_eq!((parsed.span, parsed.body.span, parsed.body.stmts.len()), (f.span, f.body.span, 1));
        // Each parse lexes the function's ~40 bytes and the line break after it.
        assert!(lexed < 200, "{lexed} bytes lexed to parse a {}-byte function", f.span.end - f.span.start);
    }
}

mod formatting {
    //! The trivia layer and [`super::super::format`]'s corner cases; tests/fmt.rs covers the CLI and the
    //! repository's files.
    use super::super::{CommentKind, format, parse, trivia};
    use crate::span::SourceFile;

    /// The text of each comment `trivia` finds in `src`, with its kind.
    fn comments(src: &str) -> Vec<(CommentKind, String)> {
        let file = SourceFile::new("t.lw", src);
        let module = parse(&file).unwrap();
        let t = trivia(&file, &module).unwrap();
        t.comments
            .iter()
            .map(|c| (c.kind, src[c.span.start as usize..c.span.end as usize].to_owned()))
            .collect()
    }

    fn fmt(src: &str) -> String {
        let file = SourceFile::new("t.lw", src);
        format(&file).unwrap_or_else(|d| panic!("{}", d.render(&file)))
    }

    #[test]
    fn trivia_finds_nested_block_comments_and_takes_the_triple_as_one_token() {
        let src = "\u{feff}target /* a /* b */ c */ x86_64-apple-macosx10.15 // t\nfn f() {}\n";
        assert_eq!(
            comments(src),
            [(CommentKind::Block, "/* a /* b */ c */".to_owned()), (CommentKind::Line, "// t".to_owned())]
        );
        let file = SourceFile::new("t.lw", src);
        let t = trivia(&file, &parse(&file).unwrap()).unwrap();
        let texts: Vec<&str> = t.tokens.iter().map(|s| &src[s.start as usize..s.end as usize]).collect();
        assert_eq!(texts, ["target", "x86_64-apple-macosx10.15", "fn", "f", "(", ")", "{", "}"]);
        // The comment inside the target line goes before it.
        assert_eq!(fmt(src), "/* a /* b */ c */\ntarget x86_64-apple-macosx10.15 // t\n\nfn f() {}\n");
    }

    #[test]
    fn crlf_line_comments_lose_their_carriage_return() {
        assert_eq!(fmt("fn f() { // x \r\n  return;\r\n}\r\n"), "fn f() { // x\n    return;\n}\n");
    }

    #[test]
    fn a_target_line_after_items_moves_up_without_its_comments() {
        let src = "fn f() {} // f\n// before target\ntarget x86_64-unknown-linux-gnu // t\n";
        let once = fmt(src);
        assert_eq!(once, "target x86_64-unknown-linux-gnu\n\nfn f() {} // f\n// before target\n// t\n");
        assert_eq!(fmt(&once), once);
    }

    #[test]
    fn blank_lines_are_kept_once_but_not_after_an_open_brace_or_before_a_close() {
        let src = "fn f() {\n\n\n    let a = 1;\n\n\n\n    let b = 2;\n\n}\n";
        assert_eq!(fmt(src), "fn f() {\n    let a = 1;\n\n    let b = 2;\n}\n");
    }
}
