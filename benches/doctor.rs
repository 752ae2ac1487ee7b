//! How fast `linkwise doctor` reads a large library, against LLVM's `llvm-nm` reading the same file in the same
//! run. The library is built here: linkwise objects, each with 200 functions that call through `__imp_` slots
//! and directly, archived 1800 times over (about 100 MB). The figure is the ratio doctor / llvm-nm.
//!
//! Run: `cargo bench --bench doctor` (needs llvm-nm from scripts/setup).

use criterion::{Criterion, criterion_group, criterion_main};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const FUNCTIONS: usize = 200;
const MEMBERS: usize = 1800;

fn module() -> String {
    let mut src = String::from(
        "#[link(name = \"msvcrt\")]\nextern { fn puts(ptr) -> i32; fn tolower(i32) -> i32; }\n\
         #[link(name = \"vendor\", kind = \"static\")]\nextern { fn helper(i32) -> i32; }\n",
    );
    for i in 0..FUNCTIONS {
        let _ = writeln!(
            src,
            "pub fn fun{i}(x: i32) -> i32 {{ puts(\"s{i}\\0\"); let mut t = tolower(x); for j in 0..x {{ t = t + helper(j); }} return t; }}"
        );
    }
    src
}

fn build_library(dir: &Path) -> PathBuf {
    let file = linkwise::SourceFile::new("bench.lw", module());
    let object =
        linkwise::compile(&file, &linkwise::Options::new()).expect("benchmark module compiles").object.bytes;
    let members: Vec<ar_archive_writer::NewArchiveMember<'_>> = (0..MEMBERS)
        .map(|i| ar_archive_writer::NewArchiveMember {
            buf: Box::new(object.clone()),
            object_reader: &ar_archive_writer::DEFAULT_OBJECT_READER,
            member_name: format!("m{i}.obj"),
            mtime: 0,
            uid: 0,
            gid: 0,
            perms: 0o644,
        })
        .collect();
    let mut out = std::io::Cursor::new(Vec::new());
    ar_archive_writer::write_archive_to_stream(
        &mut out,
        &members,
        ar_archive_writer::ArchiveKind::Coff,
        false,
        None,
    )
    .expect("archive");
    let path = dir.join("big.lib");
    std::fs::write(&path, out.into_inner()).unwrap();
    path
}

fn llvm_nm() -> Option<PathBuf> {
    let p = Path::new("/usr/lib/llvm-19/bin/llvm-nm");
    p.is_file().then(|| p.to_path_buf())
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("linkwise-bench-doctor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let lib = build_library(&dir);
    let size = std::fs::metadata(&lib).unwrap().len();
    eprintln!("library: {} ({:.1} MB, {MEMBERS} members)", lib.display(), size as f64 / 1e6);

    let mut group = c.benchmark_group(format!("read a {:.0} MB library", size as f64 / 1e6));
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    group.bench_function("linkwise doctor (read + predict)", |b| {
        b.iter(|| {
            let input = linkwise_doctor::read_file(&lib).unwrap();
            linkwise_doctor::predict(std::slice::from_ref(&input), &linkwise_doctor::LinkOptions::default())
        })
    });
    if let Some(nm) = llvm_nm() {
        group.bench_function("llvm-nm", |b| {
            b.iter(|| {
                let status =
                    Command::new(&nm).arg(&lib).stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap();
                assert!(status.success());
            })
        });
    } else {
        eprintln!("llvm-nm not found: run scripts/setup for the comparison");
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
