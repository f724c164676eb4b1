//! How a job's run is watched (`Observer`) and steered (`Steering`): the
//! hooks through which the allocator orders migrations, and the round-robin
//! steering of `--migrate-every`.

use super::*;

/// Sees a job's progress as it happens.
pub trait Observer {
    fn output(&mut self, stream: Stream, bytes: &[u8]);
    fn unit_started(&mut self, _unit: usize, _node: &str) {}
    fn unit_done(&mut self, _record: &UnitRecord) {}
    fn migration(&mut self, _record: &MigrationRecord) {}
    fn recovery(&mut self, _record: &RecoveryRecord) {}
    /// A recovery checkpoint of the job is in the spool: what a later run
    /// of the coordinator needs to resume the job from it (the spool's file
    /// is replaced by the next checkpoint and removed when the job ends, so
    /// whoever keeps it links or copies the file).
    fn checkpoint_saved(&mut self, _at: &Resumable) {}
}

/// Where a job can resume from: a spooled checkpoint, the job it restores,
/// the point it was taken at and what the program had printed by then.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Resumable {
    pub path: PathBuf,
    pub lens: Vec<u64>,
    pub spec: JobSpec,
    /// The unit it resumes in, and whether inside it (between two loop
    /// iterations) rather than at its start.
    pub unit: usize,
    pub within: bool,
    /// Bytes of stdout and stderr printed by then.
    pub printed: [u64; 2],
}

/// Decides where a job goes: the hook through which an allocator orders
/// migrations.
pub trait Steering {
    /// Asked before `unit` runs on node `current`: the node the job should move
    /// to once the unit is done, if any. Knowing it a unit ahead lets the move
    /// be pre-copied while the unit runs.
    fn move_after(&mut self, unit: usize, current: usize, cluster: &Cluster) -> Option<usize>;

    /// Told that a unit is done on node `current`, just before the job
    /// moves to `planned` (what [`Steering::move_after`] said): where it
    /// moves now, if anywhere. It may wait here for a node coming up. The
    /// default keeps the plan.
    fn unit_done(
        &mut self,
        _record: &UnitRecord,
        _current: usize,
        planned: Option<usize>,
        _cluster: &Cluster,
    ) -> Option<usize> {
        planned
    }

    /// Asked before a unit runs: stop inside it, between two loop
    /// iterations, once this many seconds have passed (None: only at its
    /// end). The default asks for no steps.
    fn step_after(&mut self, _unit: usize) -> Option<f64> {
        None
    }

    /// Asked before the job runs on inside `unit` towards its next stop
    /// between two loop iterations (its `step`-th in the run): the node it
    /// should move to at that stop, if any. Knowing it ahead lets the move
    /// be pre-copied while the iterations run. The default stays.
    fn move_within(
        &mut self,
        _unit: usize,
        _step: usize,
        _current: usize,
        _cluster: &Cluster,
    ) -> Option<usize> {
        None
    }

    /// Told that the job stopped between two loop iterations, just before it
    /// moves to `planned` (what [`Steering::move_within`] said): where it
    /// moves now, if anywhere. The default keeps the plan.
    fn step_done(
        &mut self,
        _unit: usize,
        _step: usize,
        _current: usize,
        planned: Option<usize>,
        _cluster: &Cluster,
    ) -> Option<usize> {
        planned
    }
}

/// Moves to the next live node after every `every` safe points
/// (`--migrate-every`): unit ends and, inside loops, iterations.
pub struct RoundRobin {
    pub every: usize,
    pub units: usize,
    /// Safe points passed so far.
    pub points: usize,
}

impl RoundRobin {
    /// Whether the next safe point is one to move at.
    fn next_due(&self) -> bool {
        self.every > 0 && (self.points + 1).is_multiple_of(self.every)
    }

    /// Counts a safe point passed: the next live node when it is due.
    fn passed(&mut self, current: usize, cluster: &Cluster) -> Option<usize> {
        let due = self.next_due();
        self.points += 1;
        if due {
            next_node(cluster, current)
        } else {
            None
        }
    }
}

// The hints (move_after, move_within) only look ahead: a unit that stops
// inside passes safe points before its end, so points are counted where
// they are passed (unit_done, step_done).
impl Steering for RoundRobin {
    fn move_after(&mut self, unit: usize, current: usize, cluster: &Cluster) -> Option<usize> {
        (self.next_due() && unit + 1 < self.units)
            .then(|| next_node(cluster, current))
            .flatten()
    }

    fn unit_done(
        &mut self,
        record: &UnitRecord,
        current: usize,
        _planned: Option<usize>,
        cluster: &Cluster,
    ) -> Option<usize> {
        let to = self.passed(current, cluster);
        to.filter(|_| record.unit + 1 < self.units)
    }

    fn step_after(&mut self, _unit: usize) -> Option<f64> {
        (self.every > 0).then_some(0.0)
    }

    fn move_within(
        &mut self,
        _unit: usize,
        _step: usize,
        current: usize,
        cluster: &Cluster,
    ) -> Option<usize> {
        self.next_due()
            .then(|| next_node(cluster, current))
            .flatten()
    }

    fn step_done(
        &mut self,
        _unit: usize,
        _step: usize,
        current: usize,
        _planned: Option<usize>,
        cluster: &Cluster,
    ) -> Option<usize> {
        self.passed(current, cluster)
    }
}
