//! The report as a terminal table, a markdown file and an SVG bar chart. The chart is written by hand: a few
//! dozen `<rect>` and `<text>` elements, deterministic and dependency-free, where plotters would add a
//! dependency tree (and font handling) to linkwise's build for one static picture.

use crate::{Kind, Measurement, Platform, Producer, Report};
use std::fmt::Write as _;

/// The columns of both tables.
const HEADER: [&str; 8] = ["target", "kind", "producer", "ns/call (median)", "min", "max", "IQR", "× direct"];

/// One table row's cells.
fn cells(m: &Measurement, report: &Report) -> [String; 8] {
    let _ = report;
    let s = &m.summary;
    [
        format!("x86_64 {}", m.platform.name()),
        m.kind.name().to_owned(),
        m.producer.name().to_owned(),
        format!("{:.3}", s.median),
        format!("{:.3}", s.min),
        format!("{:.3}", s.max),
        format!("{:.3}", s.q3 - s.q1),
        format!("{:.2}", m.ratio_to_direct),
    ]
}

/// The caption: what ran, where, how many times.
fn caption(report: &Report) -> String {
    let c = &report.config;
    format!(
        "{} calls per loop, 1 warm-up + {} timed loops per program, median over the loops; {}; clang: `{} {}`",
        c.calls,
        c.reps,
        report.machine,
        report.clang,
        crate::CLANG_OPT
    )
}

/// The plain-text table printed by `linkwise bench callsite`.
pub fn terminal(report: &Report) -> String {
    let rows: Vec<[String; 8]> = report.rows.iter().map(|m| cells(m, report)).collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, row: &[String]| {
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            // Text left-aligned, numbers (from the fourth column) right-aligned.
            let pad = w - cell.chars().count();
            if i < 3 {
                let _ = write!(out, "{cell}{}  ", " ".repeat(pad));
            } else {
                let _ = write!(out, "{}{cell}  ", " ".repeat(pad));
            }
        }
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        out.push('\n');
    };
    line(&mut out, &HEADER.map(str::to_owned));
    for row in &rows {
        line(&mut out, row);
    }
    let _ = writeln!(out, "{}", caption(report));
    out
}

/// `callsite.md`: the caption, the table, linkwise against clang per kind, and a link to the chart.
pub fn markdown(report: &Report) -> String {
    let mut out = String::from("# Call-site overhead\n\n");
    let _ = writeln!(out, "{}.\n", caption(report));
    let _ = writeln!(out, "| {} |", HEADER.join(" | "));
    let _ = writeln!(out, "|{}", " --- |".repeat(HEADER.len()));
    for m in &report.rows {
        let _ = writeln!(out, "| {} |", cells(m, report).join(" | "));
    }
    out.push_str("\nlinkwise's median over clang's, per kind:\n\n| target | kind | linkwise ÷ clang |\n| --- | --- | --- |\n");
    for (platform, kind, ratio) in linkwise_over_clang(report) {
        let _ = writeln!(out, "| x86_64 {} | {} | {ratio:.2} |", platform.name(), kind.name());
    }
    out.push_str("\n![ns per call](callsite.svg)\n");
    out
}

/// linkwise's median over clang's for every platform and kind both measured.
pub fn linkwise_over_clang(report: &Report) -> Vec<(Platform, Kind, f64)> {
    let mut out = Vec::new();
    for m in report.rows.iter().filter(|m| m.producer == Producer::Linkwise) {
        if let Some(c) = report.row(m.platform, m.kind, Producer::Clang) {
            out.push((m.platform, m.kind, m.summary.median / c.summary.median));
        }
    }
    out
}

/// `callsite.svg`: one group per platform and kind, a bar per producer (the median), a line from min to
/// max across it.
pub fn svg(report: &Report) -> String {
    let groups: Vec<(Platform, Kind)> = {
        let mut g: Vec<(Platform, Kind)> = report.rows.iter().map(|m| (m.platform, m.kind)).collect();
        g.dedup();
        g
    };
    let top = report.rows.iter().map(|m| m.summary.max).fold(0.0_f64, f64::max).max(1e-9);
    let (left, bar_h, gap, width) = (150.0, 14.0, 12.0, 640.0);
    let plot_w = width - left - 70.0;
    let height = 60.0 + groups.len() as f64 * (2.0 * bar_h + gap) + 30.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">"
    );
    let _ = writeln!(out, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"20\" font-size=\"14\">ns per call (median; line: min to max), {} calls × {} loops</text>",
        report.config.calls, report.config.reps
    );
    let legend = [(Producer::Linkwise, "#2b6cb0"), (Producer::Clang, "#dd6b20")];
    for (i, (p, colour)) in legend.iter().enumerate() {
        let x = left + i as f64 * 100.0;
        let _ = writeln!(
            out,
            "<rect x=\"{x}\" y=\"30\" width=\"10\" height=\"10\" fill=\"{colour}\"/><text x=\"{}\" y=\"39\">{}</text>",
            x + 14.0,
            p.name()
        );
    }
    let mut y = 55.0;
    for (platform, kind) in &groups {
        let _ = writeln!(
            out,
            "<text x=\"10\" y=\"{}\">x86_64 {} {}</text>",
            y + bar_h + 4.0,
            platform.name(),
            kind.name()
        );
        for (producer, colour) in legend {
            if let Some(m) = report.row(*platform, *kind, producer) {
                let s = &m.summary;
                let scale = |v: f64| left + v / top * plot_w;
                let _ = writeln!(
                    out,
                    "<rect x=\"{left}\" y=\"{y}\" width=\"{:.1}\" height=\"{}\" fill=\"{colour}\"/>",
                    scale(s.median) - left,
                    bar_h - 2.0
                );
                let mid = y + (bar_h - 2.0) / 2.0;
                let _ = writeln!(
                    out,
                    "<line x1=\"{:.1}\" y1=\"{mid}\" x2=\"{:.1}\" y2=\"{mid}\" stroke=\"black\"/>",
                    scale(s.min),
                    scale(s.max)
                );
                let _ = writeln!(
                    out,
                    "<text x=\"{:.1}\" y=\"{}\">{:.3}</text>",
                    scale(s.max) + 4.0,
                    y + bar_h - 4.0,
                    s.median
                );
            }
            y += bar_h;
        }
        y += gap;
    }
    out.push_str("</svg>\n");
    out
}
