//! What confines a worker to its node's slice of the machine.
//!
//! - **cgroups v1** (memory, cpu, cpuset, freezer) when they are mounted and
//!   writable: one group per node under `prescient/<cluster>/<node>`, with the
//!   node's memory limit (swap included), a CPU quota of its cores and, when the
//!   cluster assigned them, its own CPUs. Workers join the group before they exec.
//! - Otherwise **rlimits** (address space), with a warning: CPU is then not
//!   limited, and an address-space limit is looser than a resident one.
//! - As root, the worker gets a network namespace of its own with nothing in
//!   it, and runs as an unprivileged identity. Given a range of uids for the
//!   cluster, each job has its own uid from it (with the group of `nobody`),
//!   the same on every node it moves to: a worker starts (and warms up) as
//!   root and takes its job's uid before it runs, restores or imports
//!   anything of the job, so one job cannot signal, trace or read the memory
//!   of another's. Without a range, workers are all the unprivileged user
//!   (`nobody`) from their start.
//! - Always, a seccomp filter makes `connect(2)` fail with EACCES, so the
//!   worker cannot open a connection to anything (a Unix socket on the
//!   filesystem included): it talks only on the channel it inherited.

use std::ffi::CString;
use std::path::{Path, PathBuf};

/// Where cgroup v1 controllers are mounted.
pub const CGROUP_ROOT: &str = "/sys/fs/cgroup";

/// A node's slice.
#[derive(Clone, Debug)]
pub struct Slice {
    pub cores: f64,
    pub memory_bytes: u64,
    /// CPUs to pin to, if the cluster assigned some.
    pub cpus: Option<String>,
}

/// The node's cgroup directories, one per controller that could be set up.
#[derive(Clone, Debug, Default)]
pub struct Cgroups {
    pub memory: Option<PathBuf>,
    pub cpu: Option<PathBuf>,
    pub cpuset: Option<PathBuf>,
    pub freezer: Option<PathBuf>,
}

impl Cgroups {
    fn all(&self) -> impl Iterator<Item = &PathBuf> {
        [&self.memory, &self.cpu, &self.cpuset, &self.freezer]
            .into_iter()
            .flatten()
    }

    /// The kernel's count of OOM kills in the memory group.
    pub fn oom_kills(&self) -> Option<u64> {
        let text =
            std::fs::read_to_string(self.memory.as_ref()?.join("memory.oom_control")).ok()?;
        text.lines()
            .find_map(|l| l.strip_prefix("oom_kill "))
            .and_then(|v| v.trim().parse().ok())
    }

    /// Removes the groups (they must be empty).
    pub fn remove(&self) {
        for d in self.all() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

/// How workers of one node are confined.
#[derive(Clone, Debug, Default)]
pub struct Confinement {
    pub cgroups: Cgroups,
    /// Address-space limit when no memory cgroup could be used.
    pub rlimit_as: Option<u64>,
    /// User and group to run as.
    pub user: Option<(u32, u32, String)>,
    /// (first uid, how many): jobs take uids from here instead of the
    /// user's, one each, with the user's group.
    pub uid_pool: Option<(u32, u32)>,
    pub isolate_network: bool,
    /// What could not be enforced, for the user.
    pub warnings: Vec<String>,
}

fn write(path: &Path, value: &str) -> std::io::Result<()> {
    std::fs::write(path, value)
}

fn group(controller: &str, rel: &str) -> std::io::Result<PathBuf> {
    let base = Path::new(CGROUP_ROOT).join(controller);
    if !base.join("tasks").exists() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} is not a cgroup v1 hierarchy", base.display()),
        ));
    }
    let dir = base.join(rel);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

const CONTROLLERS: [&str; 4] = ["memory", "cpu", "cpuset", "freezer"];

/// Removes a cluster's cgroups (`prescient/CLUSTER/*`), retrying for a short
/// while: a worker just killed may not have left its group yet. Groups that
/// still hold tasks are left.
pub fn remove_cluster_groups(cluster: &str) {
    for attempt in 0..20 {
        let mut left = false;
        for c in CONTROLLERS {
            let dir = Path::new(CGROUP_ROOT)
                .join(c)
                .join("prescient")
                .join(cluster);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                if e.path().is_dir() && std::fs::remove_dir(e.path()).is_err() {
                    left = true;
                }
            }
            if std::fs::remove_dir(&dir).is_err() && dir.exists() {
                left = true;
            }
        }
        if !left {
            return;
        }
        if attempt < 19 {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

/// Removes the groups of clusters whose coordinator (`c<pid>`) is gone,
/// left behind by a run that was killed.
pub fn sweep_stale_groups() {
    let base = Path::new(CGROUP_ROOT).join("memory").join("prescient");
    let Ok(entries) = std::fs::read_dir(&base) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(pid) = name.strip_prefix('c').and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            remove_cluster_groups(&name);
        }
    }
}

/// The uid and gid of a user, if it exists.
pub fn lookup_user(name: &str) -> Option<(u32, u32)> {
    let c = CString::new(name).ok()?;
    // SAFETY: getpwnam returns a pointer to static storage or null; we copy out
    // the two integers at once.
    unsafe {
        let pw = libc::getpwnam(c.as_ptr());
        if pw.is_null() {
            None
        } else {
            Some(((*pw).pw_uid, (*pw).pw_gid))
        }
    }
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

impl Confinement {
    /// The (uid, gid) job `job` runs as, when jobs have uids of their own:
    /// the same for every attempt of it and on every node (the job part of
    /// the runtime's id picks it from the range).
    pub fn job_user(&self, job: u64) -> Option<(u32, u32)> {
        let (first, n) = self.uid_pool?;
        let (_, gid, _) = self.user.as_ref()?;
        // The low half is the job; the high half its attempt and flags.
        Some((first + (job as u32) % n, *gid))
    }

    /// Sets up the node's slice. Never fails: what cannot be enforced becomes
    /// a warning, and the weaker fallback is used.
    /// `needs` are the files the worker must be able to open and run (the
    /// interpreter, the harness directory): if the unprivileged user cannot,
    /// workers keep root's identity, with a warning.
    pub fn for_node(
        cluster: &str,
        node: &str,
        slice: &Slice,
        worker_user: &str,
        worker_uids: Option<(u32, u32)>,
        needs: &[&Path],
    ) -> Confinement {
        let rel = format!("prescient/{cluster}/{node}");
        let mut c = Confinement::default();
        match setup_memory(&rel, slice.memory_bytes) {
            Ok(d) => c.cgroups.memory = Some(d),
            Err(e) => {
                c.rlimit_as = Some(slice.memory_bytes.saturating_mul(2).max(1 << 30));
                c.warnings.push(format!(
                    "memory cgroup unavailable ({e}); node {node}'s memory is limited with an \
                     address-space rlimit only"
                ));
            }
        }
        match setup_cpu(&rel, slice.cores) {
            Ok(d) => c.cgroups.cpu = Some(d),
            Err(e) => c.warnings.push(format!(
                "cpu cgroup unavailable ({e}); node {node}'s CPU use is not limited"
            )),
        }
        if let Some(cpus) = &slice.cpus {
            match setup_cpuset(&rel, cpus) {
                Ok(d) => c.cgroups.cpuset = Some(d),
                Err(e) => c.warnings.push(format!(
                    "cpuset cgroup unavailable ({e}); node {node} is not pinned"
                )),
            }
        }
        if let Ok(d) = group("freezer", &rel) {
            c.cgroups.freezer = Some(d);
        }
        if is_root() {
            let closed = needs.iter().find(|p| !prescient_pyenv::others_can_run(p));
            match (lookup_user(worker_user), closed) {
                (Some(_), Some(p)) => c.warnings.push(format!(
                    "workers run as root: user `{worker_user}` cannot open {} (set \
                     PRESCIENT_HOME to a directory other users can read)",
                    p.display()
                )),
                (Some((uid, gid)), None) => {
                    c.user = Some((uid, gid, worker_user.to_string()));
                    c.uid_pool = worker_uids.filter(|&(base, n)| base > 0 && n > 0);
                }
                (None, _) => c.warnings.push(format!(
                    "user `{worker_user}` does not exist; workers run as root"
                )),
            }
            c.isolate_network = true;
        }
        c
    }

    /// Prepared, allocation-free actions for the child between fork and exec.
    pub fn pre_exec(&self) -> PreExec {
        let procs = self
            .cgroups
            .all()
            .filter_map(|d| {
                CString::new(d.join("cgroup.procs").as_os_str().as_encoded_bytes()).ok()
            })
            .collect();
        PreExec {
            procs,
            rlimit_as: self.rlimit_as,
            user: self.user.as_ref().map(|(u, g, _)| (*u, *g)),
            uid_pool: self.uid_pool,
            isolate_network: self.isolate_network,
            no_connect: no_connect_filter(),
        }
    }
}

fn setup_memory(rel: &str, bytes: u64) -> std::io::Result<PathBuf> {
    let d = group("memory", rel)?;
    write(&d.join("memory.limit_in_bytes"), &bytes.to_string())?;
    // Without this the limit could be dodged by swapping, where swap exists.
    let _ = write(&d.join("memory.memsw.limit_in_bytes"), &bytes.to_string());
    Ok(d)
}

fn setup_cpu(rel: &str, cores: f64) -> std::io::Result<PathBuf> {
    let d = group("cpu", rel)?;
    let period = 100_000u64;
    write(&d.join("cpu.cfs_period_us"), &period.to_string())?;
    let quota = ((cores.max(0.01)) * period as f64).round() as u64;
    write(&d.join("cpu.cfs_quota_us"), &quota.to_string())?;
    Ok(d)
}

fn setup_cpuset(rel: &str, cpus: &str) -> std::io::Result<PathBuf> {
    // Each level of a v1 cpuset needs cpus and mems before tasks may join.
    let root = Path::new(CGROUP_ROOT).join("cpuset");
    let mems = std::fs::read_to_string(root.join("cpuset.mems"))?;
    let all_cpus = std::fs::read_to_string(root.join("cpuset.cpus"))?;
    let mut rel_so_far = PathBuf::new();
    let parts: Vec<&str> = rel.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        rel_so_far.push(part);
        let d = group("cpuset", &rel_so_far.to_string_lossy())?;
        let want = if i + 1 == parts.len() {
            cpus
        } else {
            all_cpus.trim()
        };
        write(&d.join("cpuset.mems"), mems.trim())?;
        write(&d.join("cpuset.cpus"), want)?;
    }
    Ok(root.join(rel))
}

/// What runs in the child after fork: only async-signal-safe calls.
pub struct PreExec {
    procs: Vec<CString>,
    rlimit_as: Option<u64>,
    user: Option<(u32, u32)>,
    /// (first uid, how many) of the per-job range, if any.
    uid_pool: Option<(u32, u32)>,
    isolate_network: bool,
    /// The seccomp program that denies `connect`, where the architecture is known.
    no_connect: Option<Vec<libc::sock_filter>>,
}

/// A classic-BPF seccomp program: on x86-64, `connect` fails with EACCES and
/// every other call is allowed; a call from another ABI is refused (so the
/// filter cannot be sidestepped through the 32-bit entry points).
fn no_connect_filter() -> Option<Vec<libc::sock_filter>> {
    #[cfg(target_arch = "x86_64")]
    {
        const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
        const X32_SYSCALL_BIT: u32 = 0x4000_0000;
        let stmt = |code: u32, k: u32| libc::sock_filter {
            code: code as u16,
            jt: 0,
            jf: 0,
            k,
        };
        let jump = |code: u32, k: u32, jt: u8, jf: u8| libc::sock_filter {
            code: code as u16,
            jt,
            jf,
            k,
        };
        let ld = libc::BPF_LD | libc::BPF_W | libc::BPF_ABS;
        let jeq = libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K;
        let jge = libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K;
        let ret = libc::BPF_RET | libc::BPF_K;
        // Offsets in struct seccomp_data: nr at 0, arch at 4.
        Some(vec![
            stmt(ld, 4),
            jump(jeq, AUDIT_ARCH_X86_64, 1, 0),
            stmt(ret, libc::SECCOMP_RET_KILL_PROCESS),
            stmt(ld, 0),
            jump(jge, X32_SYSCALL_BIT, 0, 1),
            stmt(ret, libc::SECCOMP_RET_ERRNO | libc::EACCES as u32),
            jump(jeq, libc::SYS_connect as u32, 0, 1),
            stmt(ret, libc::SECCOMP_RET_ERRNO | libc::EACCES as u32),
            stmt(ret, libc::SECCOMP_RET_ALLOW),
        ])
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        None
    }
}

impl PreExec {
    /// Confines the calling process (the uid is dropped here only without a
    /// per-job range: with one, the worker takes its job's uid itself).
    ///
    /// # Safety
    /// Call only in the child between fork and exec.
    pub unsafe fn apply(&self) -> std::io::Result<()> {
        for p in &self.procs {
            let fd = libc::open(p.as_ptr(), libc::O_WRONLY);
            if fd < 0 {
                return Err(std::io::Error::last_os_error());
            }
            let r = libc::write(fd, b"0".as_ptr().cast(), 1);
            libc::close(fd);
            if r < 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        if let Some(limit) = self.rlimit_as {
            let rl = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &rl) != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        if self.isolate_network && libc::unshare(libc::CLONE_NEWNET) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if let (Some((uid, gid)), None) = (self.user, self.uid_pool) {
            if libc::setgroups(0, std::ptr::null()) != 0
                || libc::setgid(gid) != 0
                || libc::setuid(uid) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
        }
        if let Some(filter) = &self.no_connect {
            let prog = libc::sock_fprog {
                len: filter.len() as u16,
                filter: filter.as_ptr() as *mut libc::sock_filter,
            };
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
                || libc::syscall(
                    libc::SYS_seccomp,
                    libc::SECCOMP_SET_MODE_FILTER,
                    0,
                    &prog as *const libc::sock_fprog,
                ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
        }
        // The worker must not take the terminal's signals directly: the
        // coordinator forwards Ctrl-C to it, as plain Python would receive it.
        libc::setsid();
        // Ends the worker if its agent dies.
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        Ok(())
    }
}
