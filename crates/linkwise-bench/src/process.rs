//! Running the tools and the benchmark programs with a deadline. Standard output and error go to files, not
//! pipes: a wine program's services can inherit its streams and outlive it, and a reader waiting for the end
//! of a pipe would wait for them too (docs/testing.md, "How tests start wine"). Killed at the deadline.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a finished command printed.
#[derive(Clone, Debug)]
pub struct Output {
    /// Its standard output, as bytes (the benchmark programs write binary clock readings).
    pub stdout: Vec<u8>,
    /// Its standard error.
    pub stderr: String,
}

/// Runs `cmd` with standard input closed until it exits or `timeout` passes, its output in files under
/// `scratch`. An error names the command and says what went wrong (no start, a deadline, a failure status
/// with its standard error).
pub fn run(cmd: &mut Command, timeout: Duration, scratch: &Path) -> Result<Output, String> {
    let shown = format!("{cmd:?}");
    let out_path = scratch.join(".stdout");
    let err_path = scratch.join(".stderr");
    let file =
        |p: &Path| std::fs::File::create(p).map_err(|e| format!("cannot create `{}`: {e}", p.display()));
    let (out, err) = (file(&out_path)?, file(&err_path)?);
    // Its own process group, so that at the deadline, and after it exits, whatever it started (wine's
    // services, a linker's children) goes with it, as tests/support's runner does.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(cmd, 0);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    let start = Instant::now();
    let status = loop {
        // Seen exited but not yet reaped, its pid (the group's id) cannot be reused: kill what it left in its
        // group now, then reap it.
        if exited_unreaped(&child) {
            kill_group(&child);
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() < timeout => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                kill_group(&child);
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{shown} timed out after {:.0} s", timeout.as_secs_f64()));
            }
            Err(e) => return Err(format!("cannot wait for {shown}: {e}")),
        }
    };

    let stdout = std::fs::read(&out_path).unwrap_or_default();
    let stderr = String::from_utf8_lossy(&std::fs::read(&err_path).unwrap_or_default()).into_owned();
    let _ = std::fs::remove_file(&out_path);
    let _ = std::fs::remove_file(&err_path);
    if !status.success() {
        return Err(format!("{shown} failed ({status}):\n{stderr}"));
    }
    Ok(Output { stdout, stderr })
}

/// Starts a persistent wineserver for `prefix` (10 minutes after its last program), detached, all streams on
/// /dev/null, so that wine's services are started by nobody whose output is read. Status 2 means one is
/// already running, which is as good.
pub fn start_wineserver(wine: &Path, prefix: &Path) -> Result<(), String> {
    std::fs::create_dir_all(prefix).map_err(|e| format!("cannot create `{}`: {e}", prefix.display()))?;
    let server = wine.with_file_name("wineserver");
    let server = if server.is_file() { server } else { "wineserver".into() };
    let status = Command::new(&server)
        .arg("-p600")
        .env("WINEPREFIX", prefix)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run `{}`: {e}", server.display()))?;
    match status.code() {
        Some(0 | 2) => Ok(()),
        _ => Err(format!("`{} -p600` failed ({status})", server.display())),
    }
}

/// Kills the process group `child` leads (it was started with `process_group(0)`, so its pid is the group's
/// id). Nothing to do where there are no process groups.
fn kill_group(child: &std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals that process group; it touches no memory of ours.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    let _ = child;
}

/// Whether `child` has exited, without reaping it (waitid with WNOWAIT), so that its group can still be killed
/// safely. Without process groups, always false: `try_wait` then reaps as usual.
fn exited_unreaped(child: &std::process::Child) -> bool {
    #[cfg(unix)]
    {
        let pid: libc::id_t = child.id();
        // SAFETY: waitid(2) writes only into `info`, a zeroed siginfo_t we own.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
        let ok = unsafe { libc::waitid(libc::P_PID, pid, &mut info, flags) } == 0;
        // SAFETY: si_pid is valid for the CLD_* codes waitid fills in; zero means nothing has exited yet.
        ok && unsafe { info.si_pid() } != 0
    }
    #[cfg(not(unix))]
    {
        let _ = child;
        false
    }
}
