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

/// A new file at `path`, for a child's output; the error names it.
fn create(path: &Path) -> Result<std::fs::File, String> {
    std::fs::File::create(path).map_err(|e| format!("cannot create `{}`: {e}", path.display()))
}

/// Runs `cmd` with standard input closed until it exits or `timeout` passes, its output in files under
/// `scratch`. An error names the command and says what went wrong (no start, a deadline, a failure status
/// with its standard error).
pub fn run(cmd: &mut Command, timeout: Duration, scratch: &Path) -> Result<Output, String> {
    let shown = format!("{cmd:?}");
    let (out_path, err_path) = (scratch.join(".stdout"), scratch.join(".stderr"));
    let (out, err) = (create(&out_path)?, create(&err_path)?);
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

/// What a finished child cost, from its own resource usage (wait4(2)), not its children's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Usage {
    /// Seconds from start to exit, as the parent saw it.
    pub wall: f64,
    /// User plus system CPU seconds of the child and the children it waited for.
    pub cpu: f64,
    /// Peak resident set size in bytes (`ru_maxrss`, which Linux counts in KiB).
    pub peak_rss: u64,
}

/// [`run`], also measuring the child: wall time, CPU time and peak RSS. The wait blocks (no polling step in
/// the wall time); a watcher thread kills the process group at the deadline. Unix only.
#[cfg(unix)]
pub fn run_measured(cmd: &mut Command, timeout: Duration, scratch: &Path) -> Result<(Output, Usage), String> {
    use std::os::unix::process::ExitStatusExt;
    use std::sync::mpsc;
    let shown = format!("{cmd:?}");
    let (out_path, err_path) = (scratch.join(".stdout"), scratch.join(".stderr"));
    let (out, err) = (create(&out_path)?, create(&err_path)?);
    std::os::unix::process::CommandExt::process_group(cmd, 0);
    let start = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    let pid = libc::pid_t::try_from(child.id()).map_err(|_| format!("{shown}: pid out of range"))?;
    // The watcher kills the group at the deadline unless told first that the child has exited. The child
    // is not reaped before the watcher has been told and joined, so its pid (the group id) cannot have been
    // reused when the watcher kills.
    let (done, wait_done) = mpsc::channel::<()>();
    let watcher = std::thread::spawn(move || {
        let expired = wait_done.recv_timeout(timeout).is_err();
        if expired {
            // SAFETY: kill(2) on the child's process group; it touches no memory of ours.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        expired
    });
    // SAFETY: waitid(2) writes only into `info`, a zeroed siginfo_t we own; WNOWAIT leaves the child unreaped.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    loop {
        let r =
            unsafe { libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, libc::WEXITED | libc::WNOWAIT) };
        if r == 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            break;
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let _ = done.send(());
    let expired = watcher.join().unwrap_or(false);
    // SAFETY: as in `kill_group`: the child is exited but unreaped, so the group id is still its own.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
    let mut status = 0;
    // SAFETY: wait4(2) writes only into `status` and `usage`, both ours.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    drop(child);
    if reaped != pid {
        return Err(format!("cannot wait for {shown}: {}", std::io::Error::last_os_error()));
    }
    let status = std::process::ExitStatus::from_raw(status);
    let stdout = std::fs::read(&out_path).unwrap_or_default();
    let stderr = String::from_utf8_lossy(&std::fs::read(&err_path).unwrap_or_default()).into_owned();
    let _ = std::fs::remove_file(&out_path);
    let _ = std::fs::remove_file(&err_path);
    if expired {
        return Err(format!("{shown} timed out after {:.0} s", timeout.as_secs_f64()));
    }
    if !status.success() {
        return Err(format!("{shown} failed ({status}):\n{stderr}"));
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let usage = Usage {
        wall,
        cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime),
        peak_rss: u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
    };
    Ok((Output { stdout, stderr }, usage))
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
