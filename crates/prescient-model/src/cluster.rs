//! The cluster spec: the nodes a cluster is made of, as the user writes them in
//! TOML (`--cluster FILE`), and the built-in default.
//!
//! ```toml
//! [[node]]
//! name = "n1"
//! kind = "physical"
//! cores = 1
//! memory = "8GiB"
//! features = ["avx2", "aes"]
//!
//! [[node]]
//! name = "burst"
//! kind = "virtual"
//! cores = 2
//! memory = "16GiB"
//! startup_seconds = 20
//! max_count = 4
//! cost_per_second = 0.0004
//! ```
//!
//! A virtual node with a `slurm` table is not a slice of this host: each of
//! its instances is a node agent started inside a Slurm allocation of the
//! node's cores and memory (`sbatch`), which calls the coordinator back. The
//! optional top-level `[slurm]` table says where the Slurm commands are and
//! which address the allocations call back on.
//!
//! ```toml
//! [slurm]
//! callback = "127.0.0.1"   # an address of this host the allocations can reach
//!
//! [[node]]
//! name = "cloud"
//! kind = "virtual"
//! cores = 2
//! memory = "2GiB"
//! startup_seconds = 15     # Slurm queue + node power-up, as measured
//! max_count = 2
//! cost_per_second = 0.001
//! slurm = { partition = "cloud", constraint = "cloud", time_minutes = 30 }
//! ```

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// Always on (the default).
    #[default]
    Physical,
    /// Started on demand, with a start-up latency and a cost while it runs.
    Virtual,
    /// Up while an agent an operator started (`prescient agent`) is joined.
    Agent,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    pub name: String,
    #[serde(default)]
    pub kind: NodeKind,
    pub cores: f64,
    /// Bytes. In TOML: an integer of bytes or a string such as `"4GiB"`.
    #[serde(deserialize_with = "de_bytes")]
    pub memory: u64,
    /// Instruction-set features (`avx2`, `avx512f`, `fma`, `aes`, `sha_ni`,
    /// `gpu`). Absent: those of the host Prescient runs on (filled in by
    /// [`ClusterSpec::fill_features`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<Vec<String>>,
    /// CPUs to pin the node to on this host (cpuset syntax, e.g. `"0"` or `"0-1"`).
    #[serde(default)]
    pub cpus: Option<String>,
    /// Virtual nodes: seconds from request to ready.
    #[serde(default)]
    pub startup_seconds: Option<f64>,
    /// Virtual nodes: how many instances may run at once.
    #[serde(default)]
    pub max_count: Option<u32>,
    /// Cost of a running node per second (virtual nodes must say; physical
    /// nodes default to 0).
    #[serde(default)]
    pub cost_per_second: Option<f64>,
    /// Physical nodes: this many identical nodes, named `NAME-1` to
    /// `NAME-COUNT` once parsed (for large simulated clusters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Virtual nodes: start each instance in a Slurm allocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slurm: Option<SlurmNode>,
}

impl NodeSpec {
    /// The node's features (none when unspecified and not filled in).
    pub fn features(&self) -> &[String] {
        self.features.as_deref().unwrap_or_default()
    }
}

/// How a virtual node's instances are requested from Slurm.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlurmNode {
    #[serde(default)]
    pub partition: Option<String>,
    /// A Slurm `--constraint` expression (node features).
    #[serde(default)]
    pub constraint: Option<String>,
    /// The allocation's time limit; Slurm ends the agent after it.
    #[serde(default)]
    pub time_minutes: Option<u32>,
    /// More `sbatch` options, passed as they are (e.g. `["--account=research"]`).
    #[serde(default)]
    pub extra_args: Vec<String>,
}

/// Cluster-wide Slurm settings (all optional).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlurmSettings {
    /// Where `sbatch`, `squeue` and `scancel` are; default: on `PATH`.
    #[serde(default)]
    pub bin_dir: Option<std::path::PathBuf>,
    /// The address of this host that agents in allocations call back on;
    /// default `127.0.0.1` (a single-host Slurm, where the agents listen on
    /// loopback too). Between hosts, give an address the compute nodes
    /// reach: the agents then listen on all of their host's addresses.
    #[serde(default)]
    pub callback: Option<String>,
    /// Seconds to wait for an allocation's agent to call back before the
    /// node is given up; default 300.
    #[serde(default)]
    pub timeout_seconds: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    #[serde(rename = "node")]
    pub nodes: Vec<NodeSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slurm: Option<SlurmSettings>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ClusterError {
    #[error("{0}")]
    Syntax(String),
    #[error("node `{node}`: {message}")]
    Node { node: String, message: String },
    #[error("the cluster has no nodes")]
    Empty,
    #[error("node name `{0}` is used twice")]
    Duplicate(String),
}

/// Parses `4GiB`, `512 MiB`, `2G`, `1.5GB` or a plain number of bytes.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a size (try `4GiB`)"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "kb" => 1e3,
        "m" | "mib" => 1024.0 * 1024.0,
        "mb" => 1e6,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "gb" => 1e9,
        "t" | "tib" => 1024f64.powi(4),
        "tb" => 1e12,
        other => return Err(format!("unknown size unit `{other}` in `{text}`")),
    };
    let v = n * mult;
    if !v.is_finite() || v < 0.0 || v > u64::MAX as f64 {
        return Err(format!("`{text}` is out of range"));
    }
    Ok(v as u64)
}

fn de_bytes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        N(u64),
        S(String),
    }
    match Raw::deserialize(d)? {
        Raw::N(n) => Ok(n),
        Raw::S(s) => parse_bytes(&s).map_err(serde::de::Error::custom),
    }
}

impl ClusterSpec {
    /// Parses and checks a TOML spec.
    pub fn parse(text: &str) -> Result<ClusterSpec, ClusterError> {
        let mut spec: ClusterSpec =
            toml::from_str(text).map_err(|e| ClusterError::Syntax(e.to_string()))?;
        for n in &spec.nodes {
            match n.count {
                Some(c) if !(1..=100_000).contains(&c) => {
                    return Err(ClusterError::Node {
                        node: n.name.clone(),
                        message: "count must be between 1 and 100000".into(),
                    })
                }
                Some(_) if n.kind == NodeKind::Virtual => {
                    return Err(ClusterError::Node {
                        node: n.name.clone(),
                        message: "count applies to physical nodes (virtual ones have max_count)"
                            .into(),
                    })
                }
                _ => {}
            }
        }
        spec.nodes = std::mem::take(&mut spec.nodes)
            .into_iter()
            .flat_map(|n| match n.count {
                Some(c) => (1..=c)
                    .map(|i| NodeSpec {
                        name: format!("{}-{i}", n.name),
                        count: None,
                        ..n.clone()
                    })
                    .collect(),
                None => vec![n],
            })
            .collect();
        spec.validate()?;
        Ok(spec)
    }

    pub fn validate(&self) -> Result<(), ClusterError> {
        if self.nodes.is_empty() {
            return Err(ClusterError::Empty);
        }
        let mut seen = std::collections::BTreeSet::new();
        for n in &self.nodes {
            let bad = |m: &str| ClusterError::Node {
                node: n.name.clone(),
                message: m.to_string(),
            };
            let name_ok = !n.name.is_empty()
                && n.name.len() <= 64
                && n.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !name_ok {
                return Err(bad(
                    "a name is 1 to 64 letters, digits, `-` or `_` (it names a cgroup)",
                ));
            }
            if !seen.insert(n.name.clone()) {
                return Err(ClusterError::Duplicate(n.name.clone()));
            }
            if !(n.cores.is_finite() && n.cores > 0.0) {
                return Err(bad("cores must be a positive number"));
            }
            if n.memory < (64 << 20) {
                return Err(bad("memory must be at least 64MiB"));
            }
            if let Some(sl) = &n.slurm {
                if n.cpus.is_some() {
                    return Err(bad("cpus pins a slice of this host; a Slurm node has none"));
                }
                if sl.time_minutes == Some(0) {
                    return Err(bad("slurm.time_minutes must be at least 1"));
                }
                let printable = |t: &str| !t.is_empty() && !t.chars().any(|c| c.is_control());
                let fields = [&sl.partition, &sl.constraint];
                if fields
                    .iter()
                    .any(|f| f.as_deref().is_some_and(|t| !printable(t)))
                    || sl.extra_args.iter().any(|a| !printable(a))
                {
                    return Err(bad("slurm options must be non-empty and on one line"));
                }
            }
            match n.kind {
                NodeKind::Virtual => {
                    if !n.startup_seconds.is_some_and(|s| s.is_finite() && s >= 0.0) {
                        return Err(bad("a virtual node needs startup_seconds (>= 0)"));
                    }
                    if n.max_count.is_none_or(|c| c < 1) {
                        return Err(bad("a virtual node needs max_count (>= 1)"));
                    }
                    if !n.cost_per_second.is_some_and(|c| c.is_finite() && c >= 0.0) {
                        return Err(bad("a virtual node needs cost_per_second (>= 0)"));
                    }
                }
                NodeKind::Agent => {
                    if n.startup_seconds.is_some() || n.max_count.is_some() {
                        return Err(bad(
                            "an agent node is up while its agent is joined: no startup_seconds or max_count (count makes several)",
                        ));
                    }
                    if n.slurm.is_some() {
                        return Err(bad(
                            "a slurm table applies to virtual nodes only (an agent node's agent is started by its operator)",
                        ));
                    }
                }
                NodeKind::Physical => {
                    if n.startup_seconds.is_some() || n.max_count.is_some() {
                        return Err(bad(
                            "startup_seconds and max_count apply to virtual nodes only",
                        ));
                    }
                    if n.slurm.is_some() {
                        return Err(bad(
                            "a slurm table applies to virtual nodes only (physical nodes are slices of this host)",
                        ));
                    }
                }
            }
        }
        if let Some(t) = self.slurm.as_ref().and_then(|s| s.timeout_seconds) {
            if !(t.is_finite() && t > 0.0) {
                return Err(ClusterError::Syntax(
                    "slurm.timeout_seconds must be a positive number".into(),
                ));
            }
        }
        Ok(())
    }

    /// The built-in local cluster: the machine split into two physical nodes,
    /// each with half the cores (at least one) and a share of the memory, plus
    /// one virtual node that can be started on demand.
    pub fn local_default(cores: usize, memory_bytes: u64, features: &[String]) -> ClusterSpec {
        let half_cores = (cores as f64 / 2.0).max(1.0);
        // Leave room for the coordinator, the agents and the rest of the host.
        let share = (memory_bytes / 8 * 3).max(256 << 20);
        let pin = |i: usize| {
            (cores >= 2).then(|| {
                let per = cores / 2;
                let first = i * per;
                if per == 1 {
                    first.to_string()
                } else {
                    format!("{}-{}", first, first + per - 1)
                }
            })
        };
        let node = |name: &str, i: usize| NodeSpec {
            name: name.into(),
            kind: NodeKind::Physical,
            cores: half_cores,
            memory: share,
            features: Some(features.to_vec()),
            cpus: pin(i),
            startup_seconds: None,
            max_count: None,
            cost_per_second: None,
            count: None,
            slurm: None,
        };
        ClusterSpec {
            slurm: None,
            nodes: vec![
                node("n1", 0),
                node("n2", 1),
                NodeSpec {
                    name: "burst".into(),
                    kind: NodeKind::Virtual,
                    cores: cores as f64,
                    memory: share,
                    features: Some(features.to_vec()),
                    cpus: None,
                    startup_seconds: Some(2.0),
                    max_count: Some(1),
                    cost_per_second: Some(0.001),
                    count: None,
                    slurm: None,
                },
            ],
        }
    }

    /// Gives every node that does not list its features those of `host`.
    pub fn fill_features(&mut self, host: &[String]) {
        for n in &mut self.nodes {
            n.features.get_or_insert_with(|| host.to_vec());
        }
    }

    pub fn physical(&self) -> impl Iterator<Item = &NodeSpec> {
        self.nodes.iter().filter(|n| n.kind == NodeKind::Physical)
    }

    /// Every node that can ever run, in spec order: physical nodes as they
    /// are, each virtual node as `max_count` instances named `NAME-1`...
    /// Planner and runtime number nodes by their position here.
    pub fn instances(&self) -> Vec<NodeSpec> {
        let mut out = Vec::new();
        for n in &self.nodes {
            match n.kind {
                NodeKind::Physical | NodeKind::Agent => out.push(n.clone()),
                NodeKind::Virtual => {
                    for i in 1..=n.max_count.unwrap_or(1) {
                        out.push(NodeSpec {
                            name: format!("{}-{i}", n.name),
                            max_count: Some(1),
                            ..n.clone()
                        });
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("4GiB").unwrap(), 4 << 30);
        assert_eq!(parse_bytes("512 MiB").unwrap(), 512 << 20);
        assert_eq!(parse_bytes("1.5G").unwrap(), 3 << 29);
        assert_eq!(parse_bytes("1000").unwrap(), 1000);
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("4XB").is_err());
        assert!(parse_bytes("1e400").is_err());
    }

    #[test]
    fn parses_and_validates() {
        let spec = ClusterSpec::parse(
            r#"
            [[node]]
            name = "a"
            kind = "physical"
            cores = 1
            memory = "1GiB"
            features = ["avx2"]
            [[node]]
            name = "v"
            kind = "virtual"
            cores = 2
            memory = 2147483648
            startup_seconds = 5
            max_count = 2
            cost_per_second = 0.01
            "#,
        )
        .unwrap();
        assert_eq!(spec.nodes.len(), 2);
        assert_eq!(spec.nodes[1].memory, 2 << 30);
        assert_eq!(spec.physical().count(), 1);
        let names: Vec<String> = spec.instances().into_iter().map(|n| n.name).collect();
        assert_eq!(names, ["a", "v-1", "v-2"]);
        let many =
            ClusterSpec::parse("[[node]]\nname = \"s\"\ncount = 3\ncores = 1\nmemory = \"1GiB\"\n")
                .unwrap();
        let names: Vec<String> = many.nodes.into_iter().map(|n| n.name).collect();
        assert_eq!(names, ["s-1", "s-2", "s-3"]);
        assert!(ClusterSpec::parse(
            "[[node]]\nname = \"s\"\ncount = 0\ncores = 1\nmemory = \"1GiB\"\n"
        )
        .is_err());
    }

    #[test]
    fn agent_nodes_are_single_and_may_come_in_counts() {
        let s = ClusterSpec::parse(
            "[[node]]\nname = \"a\"\nkind = \"agent\"\ncores = 2\nmemory = \"1GiB\"\ncount = 2\n",
        )
        .unwrap();
        let names: Vec<_> = s.instances().into_iter().map(|n| n.name).collect();
        assert_eq!(names, ["a-1", "a-2"]);
        assert!(s.instances().iter().all(|n| n.kind == NodeKind::Agent));
        assert_eq!(s.physical().count(), 0);
        let e = ClusterSpec::parse(
            "[[node]]\nname = \"a\"\nkind = \"agent\"\ncores = 2\nmemory = \"1GiB\"\nmax_count = 2\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("while its agent is joined"), "{e}");
    }

    #[test]
    fn errors_name_the_node_and_the_problem() {
        let e = ClusterSpec::parse(
            "[[node]]\nname = \"v\"\nkind = \"virtual\"\ncores = 1\nmemory = \"1GiB\"\n",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "node `v`: a virtual node needs startup_seconds (>= 0)"
        );
        let e = ClusterSpec::parse("[[node]]\nname = \"a\"\nkind = \"physical\"\ncores = 1\nmemory = \"1GiB\"\n[[node]]\nname = \"a\"\nkind = \"physical\"\ncores = 1\nmemory = \"1GiB\"\n").unwrap_err();
        assert_eq!(e, ClusterError::Duplicate("a".into()));
        assert!(matches!(
            ClusterSpec::parse("[[node]]\nname = 3"),
            Err(ClusterError::Syntax(_))
        ));
        assert!(matches!(
            ClusterSpec::parse("node = []"),
            Err(ClusterError::Empty)
        ));
        let e = ClusterSpec::parse(
            "[[node]]\nname = \"../x\"\nkind = \"physical\"\ncores = 1\nmemory = \"1GiB\"\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("names a cgroup"), "{e}");
    }

    #[test]
    fn default_has_two_physical_nodes() {
        let d = ClusterSpec::local_default(2, 24 << 30, &["avx2".into()]);
        assert_eq!(d.physical().count(), 2);
        assert_eq!(d.nodes[0].cpus.as_deref(), Some("0"));
        assert_eq!(d.nodes[1].cpus.as_deref(), Some("1"));
        d.validate().unwrap();
        let one = ClusterSpec::local_default(1, 1 << 30, &[]);
        assert_eq!(one.nodes[0].cpus, None);
        one.validate().unwrap();
    }
}
