//! `linkwise bench callsite` end to end with a tiny N: every program is built, linked (lld-link, ld.lld),
//! run (wine, natively), and reports back; the tables and the chart have every kind, and the ratios are
//! computed. Structure only: timings are the harness's business, never a test's (docs/testing.md).

mod support;

/// The rows of the markdown's main table: (target, kind, producer, median, ratio to direct).
fn table_rows(markdown: &str) -> Vec<(String, String, String, f64, f64)> {
    markdown
        .lines()
        .filter(|l| l.starts_with("| x86_64 ") && l.matches('|').count() == 9)
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            let number = |s: &str| s.parse::<f64>().unwrap_or_else(|e| panic!("`{s}` in `{l}`: {e}"));
            (
                cells[0].to_owned(),
                cells[1].to_owned(),
                cells[2].to_owned(),
                number(cells[3]),
                number(cells[7]),
            )
        })
        .collect()
}

#[test]
fn callsite_smoke_run_reports_every_kind_for_both_producers() {
    let (Some(_), Some(_), Some(_), Some(wine)) =
        (support::tool("clang"), support::tool("lld-link"), support::tool("ld.lld"), support::tool("wine"))
    else {
        return;
    };
    support::start_wine(&wine, &support::wine_prefix());
    let dir = support::TempDir::new("bench");
    let out = dir.join("out");
    let out_arg = out.to_str().expect("UTF-8 temporary path");
    let (status, stdout, stderr) =
        support::linkwise(&["bench", "callsite", "--calls", "2000", "--reps", "3", "--out", out_arg]);
    assert_eq!(status, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    // Progress names every program it ran; the terminal table has a line per program.
    let expected =
        [("x86_64 windows", ["direct", "dllimport", "thunk"]), ("x86_64 linux", ["direct", "plt", "got"])];
    let markdown = std::fs::read_to_string(out.join("callsite.md")).expect("callsite.md written");
    let rows = table_rows(&markdown);
    assert_eq!(rows.len(), 12, "{markdown}");
    for (target, kinds) in expected {
        for kind in kinds {
            for producer in ["linkwise", "clang"] {
                let row = rows
                    .iter()
                    .find(|r| r.0 == target && r.1 == kind && r.2 == producer)
                    .unwrap_or_else(|| panic!("no row for {target} {kind} {producer} in\n{markdown}"));
                assert!(row.3 > 0.0 && row.3.is_finite(), "median of {row:?}");
                assert!(row.4 > 0.0 && row.4.is_finite(), "ratio of {row:?}");
                if kind == "direct" {
                    assert_eq!(row.4, 1.0, "the direct call is the ratios' base: {row:?}");
                }
                let terminal = format!("{target:<14}  {kind:<9}  {producer:<8}");
                assert!(stdout.contains(terminal.trim_end()), "`{terminal}` not in\n{stdout}");
                assert!(stderr.contains(&format!("running {} {kind} {producer}", &target[7..])), "{stderr}");
            }
            assert!(
                markdown.contains(&format!("| {target} | {kind} | ")),
                "linkwise ÷ clang for {kind}: {markdown}"
            );
        }
    }
    assert!(markdown.contains("2000 calls per loop, 1 warm-up + 3 timed loops"), "{markdown}");
    // The chart: an SVG document with a bar and a min-max line per program, each labelled group present.
    let svg = std::fs::read_to_string(out.join("callsite.svg")).expect("callsite.svg written");
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.trim_end().ends_with("</svg>"),
        "{svg}"
    );
    assert_eq!(svg.matches("<line ").count(), 12, "{svg}");
    assert_eq!(svg.matches("<rect ").count(), 1 + 2 + 12, "background, legend, bars: {svg}");
    for (target, kinds) in expected {
        for kind in kinds {
            assert!(svg.contains(&format!(">{target} {kind}</text>")), "{target} {kind} in {svg}");
        }
    }
    // The generated sources are kept for inspection, beside the programs.
    for file in [
        "windows/caller.lw",
        "linux/callee.lw",
        "windows/dllimport/clang/caller.c",
        "linux/got/clang/caller.c",
    ] {
        assert!(out.join("work").join(file).is_file(), "{file}");
    }
}

#[test]
fn callsite_refuses_an_unknown_target_and_zero_calls() {
    let (status, _, stderr) = support::linkwise(&["bench", "callsite", "--targets", "macos"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("unknown benchmark target `macos`: expected `windows` or `linux`"), "{stderr}");
    let dir = support::TempDir::new("bench-zero");
    let out = dir.join("out");
    let (status, _, stderr) =
        support::linkwise(&["bench", "callsite", "--calls", "0", "--out", out.to_str().expect("UTF-8 path")]);
    assert_eq!(status, 1);
    assert!(stderr.contains("`--calls` and `--reps` must be at least 1"), "{stderr}");
    assert!(!out.exists(), "nothing written for a refused run");
}

#[test]
fn callsite_refuses_counts_the_programs_cannot_hold() {
    // Regression (review of issue 10): these used to build every program, then panic computing the deadline
    // (`Duration::from_secs_f64` overflow); `--calls` × (`--reps` + 1) past i64 wraps the programs' counters.
    let dir = support::TempDir::new("bench-huge");
    let out = dir.join("out");
    let out_arg = out.to_str().expect("UTF-8 path");
    let max = i64::MAX.to_string();
    let (status, _, stderr) = support::linkwise(&[
        "bench",
        "callsite",
        "--calls",
        &max,
        "--reps",
        "2147483647",
        "--targets",
        "linux",
        "--out",
        out_arg,
    ]);
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("`--calls` × (`--reps` + 1) must be at most 9223372036854775807"), "{stderr}");
    let (status, _, stderr) = support::linkwise(&[
        "bench",
        "callsite",
        "--reps",
        "4294967295",
        "--targets",
        "linux",
        "--out",
        out_arg,
    ]);
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("`--reps` must be at most 2147483647"), "{stderr}");
    assert!(!out.exists(), "nothing written for a refused run");
}
