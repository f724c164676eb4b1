//! Locality of interpreted accesses into containers.
//!
//! An access by key or computed index (`adj[v]`, `k in seen`,
//! `counts[w] += 1`, `d.get(k)`) lands anywhere in its container; once the
//! container is bigger than the caches, it misses, and a miss costs several
//! times the whole operation (the slot, then the object it points to). The
//! fitted interpreter model cannot see this: its snippets are small. So each
//! such access inside a loop is counted apart, weighted by how likely it is
//! to miss (`PyOps::cold_accesses`). Walking a container in order
//! (`for x in xs`, `xs[i]` over `range`, `grid[i][j + 1]`) is left out: the
//! hardware prefetches it.

use super::*;
use crate::caches::miss_share;
use prescient_syntax::ast::{BinOp, Expr, ExprKind};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Where a container is held: a name, or an instance's attribute.
pub(crate) enum Place {
    Name(String),
    Attr(Attrs, String),
}

/// A keyed access seen in a loop's body: where, how often (over all
/// enclosing loops), and the miss share counted for the container's size
/// then.
pub(crate) struct KeyedAccess {
    pub place: Place,
    pub accesses: f64,
    pub share: f64,
    /// The keys are random draws (`keys.rs`): they land anywhere in the
    /// container however far the enclosing loops grow it.
    pub scattered: bool,
    /// The access goes on into the element the key picks
    /// (`postings[w].add(d)`): it reaches the elements' own tables too.
    pub deep: bool,
}

/// Steps a built-in took through a container in a loop's body
/// (`xs.insert(i, x)` shifts the items after `i`, `x in xs` scans): per
/// item the container held, and how many it held when the body was run.
pub(crate) struct GrownWalk {
    pub place: Place,
    /// The container as written, to find a bound the loop keeps it to.
    pub text: String,
    pub per_item: f64,
    pub len: f64,
    pub accesses: f64,
}

impl Place {
    /// Whether what the place holds can still be the same in a loop of
    /// another frame: an instance's attribute, whatever function runs; a
    /// name only in its own frame's loops (a caller's loop may grow a
    /// different variable of the same name).
    fn outlives(&self, same_frame: bool) -> bool {
        same_frame || matches!(self, Place::Attr(..))
    }
}

/// What `place` held before the loop's first update of it, if the loop
/// updated it.
fn held_before(
    place: &Place,
    before: &BTreeMap<String, Value>,
    attr_before: &[accumulate::AttrBefore],
) -> Option<Value> {
    match place {
        Place::Name(n) => before.get(n).cloned(),
        Place::Attr(attrs, n) => attr_before
            .iter()
            .find(|a| Rc::ptr_eq(&a.attrs, attrs) && a.name == *n)
            .map(|a| a.value.clone()),
    }
}

impl Interp<'_> {
    /// Records an access into `container` by `key` (the key as written; `None`
    /// where the caller knows it is not a walk in order, as for `k in d`).
    /// `place` is the container as written (`counts`, `self.index`), so that
    /// a container the loop itself grows is judged by its size over the
    /// loop, not by its size when the body was first run.
    pub(crate) fn keyed_access(
        &mut self,
        container: &Value,
        place: Option<&Expr>,
        key: Option<&Expr>,
    ) {
        // Only loops repeat an access often enough to matter, and measuring
        // a container is not free.
        if self.mult_num < 1000.0 || !matches!(container, Value::Seq { .. }) {
            return;
        }
        if key.is_some_and(|k| self.in_order(k)) {
            return;
        }
        // A step down a heap (`a[c]`, `a[c + 1]`, `a[i]`) touches one new
        // line of it: the sibling shares the line, the parent was the last
        // step's child. Only its deepest levels are out of the caches: level
        // `k` spans the first `2^(k+1)` slots, which fit in a core's L2 (2
        // MiB) up to `log2(2 MiB / item)`.
        let walk_levels = self
            .loops
            .last()
            .filter(|l| l.frame == self.frames.len())
            .and_then(|l| l.levels);
        if let (Some(full), Some(p)) = (walk_levels, place) {
            let text = format!("{}[*]", unparse::unparse(p));
            let n = container
                .len()
                .map(|l| self.num(&l))
                .unwrap_or(0.0)
                .max(1.0);
            let item = self.reach_bytes(container) / n;
            let warm = (2.0 * 1048576.0 / item.max(8.0)).log2();
            let cold = ((full - warm) / full.max(1.0)).clamp(0.0, 1.0);
            let first = self
                .loops
                .last_mut()
                .is_some_and(|l| l.touched.insert(text));
            if first && cold > 0.0 {
                self.ops(|o, m| o.cold_accesses += cold * m);
            }
            return;
        }
        // `if dist[u] + 1 > dist[v]: dist[v] = dist[u] + 1`: an iteration
        // that comes back to a slot it just read finds it in the cache.
        if let (Some(p), Some(k), Some(l)) = (place, key, self.loops.last_mut()) {
            let slot = format!("{}[{}]", unparse::unparse(p), unparse::unparse(k));
            if !l.touched.insert(slot) {
                return;
            }
        }
        // An element picked by key from an outer container
        // (`postings[w].add(d)`): successive accesses land in different
        // elements, so the reach is the outer container's times each
        // element's.
        let deep = matches!(
            place.map(|p| &p.kind),
            Some(ExprKind::Subscript { index, .. }) if !self.in_order(index)
        );
        let nested = match place.map(|p| &p.kind) {
            Some(ExprKind::Subscript { value, index }) if !self.in_order(index) => {
                match self.place_of(value).and_then(|p| self.held(&p)) {
                    Some(outer @ Value::Seq { .. }) => {
                        let n = outer.len().map(|l| self.num(&l)).unwrap_or(1.0);
                        self.reach_bytes(&outer) + n * self.reach_bytes(container)
                    }
                    _ => 0.0,
                }
            }
            _ => 0.0,
        };
        let share = miss_share(self.reach_bytes(container).max(nested));
        if share > 0.0 {
            self.ops(|o, m| o.cold_accesses += share * m);
        }
        // An element picked by key is judged through the container it is
        // picked from, which is what the loops grow.
        let place = place.and_then(|p| match &p.kind {
            ExprKind::Subscript { value, .. } if deep => self.loop_place(value),
            _ => self.loop_place(p),
        });
        let scattered = key
            .and_then(|k| self.variety_of(k))
            .is_some_and(|v| v.drawn);
        if let (Some(place), Some(l)) = (place, self.loops.last_mut()) {
            l.keyed.push(KeyedAccess {
                place,
                accesses: self.mult_num,
                share,
                scattered,
                deep,
            });
        }
    }

    /// The bytes a random access into `container` may land in: its slots
    /// (a dict's tables), and each item as far as the access reaches it
    /// (a key compared, the head of a value: a list's header, not its
    /// items, which `nxt[a].append(b)` does not visit).
    fn reach_bytes(&self, container: &Value) -> f64 {
        let Value::Seq { kind, items } = container else {
            return 0.0;
        };
        let head = |v: &Value| -> f64 {
            match v {
                Value::Seq { kind, .. } => ledger::container_bytes(*kind, 0.0),
                Value::Instance { attrs, .. } => 72.0 + 8.0 * attrs.borrow().len() as f64,
                v => self.scalar_bytes(v).unwrap_or(0.0),
            }
        };
        // A dict's item is its key and its value.
        let item = |v: &Value| -> f64 {
            match (kind, v) {
                (
                    SeqKind::Dict,
                    Value::Seq {
                        items: SeqItems::Known(kv),
                        ..
                    },
                ) => kv.iter().map(head).sum(),
                _ => head(v),
            }
        };
        let (n, items) = match items {
            SeqItems::Known(vs) => (vs.len() as f64, vs.iter().map(item).sum()),
            SeqItems::Homog { elem, len, .. } => {
                let n = self.num(len);
                (n, n * item(elem))
            }
        };
        ledger::container_bytes(*kind, n) + items
    }

    /// Where the container written `e` is held, as the innermost loop can
    /// judge it (`Place::outlives`).
    fn loop_place(&self, e: &Expr) -> Option<Place> {
        let own_frame = self
            .loops
            .last()
            .is_some_and(|l| l.frame == self.frames.len());
        self.place_of(e).filter(|p| p.outlives(own_frame))
    }

    /// The loop enclosing the innermost one, which judges again what it
    /// could not.
    fn enclosing_loop(&mut self) -> Option<&mut LoopCtx> {
        let n = self.loops.len();
        n.checked_sub(2).map(|i| &mut self.loops[i])
    }

    /// Where `e` holds its value, if it is a name or an attribute of one.
    fn place_of(&self, e: &Expr) -> Option<Place> {
        match &e.kind {
            ExprKind::Name(n) => Some(Place::Name(n.clone())),
            ExprKind::Attribute { value, attr } => match self.lookup(value.as_name()?)? {
                Value::Instance { attrs, .. } => Some(Place::Attr(attrs, attr.clone())),
                _ => None,
            },
            _ => None,
        }
    }

    /// What a place holds now, read without counting the load as work.
    fn held(&self, p: &Place) -> Option<Value> {
        match p {
            Place::Name(n) => self.lookup(n),
            Place::Attr(attrs, n) => attrs.borrow().get(n).cloned(),
        }
    }

    /// A built-in stepped through `per_item` weighted steps per item of the
    /// container written `container`, then `len` items long: recorded for
    /// the loop to judge by the container's size over it.
    pub(crate) fn note_walk(&mut self, container: &Expr, per_item: f64, len: f64) {
        if self.loops.is_empty() {
            return;
        }
        let Some(place) = self.loop_place(container) else {
            return;
        };
        let accesses = self.mult_num;
        let text = unparse::unparse(container);
        if let Some(l) = self.loops.last_mut() {
            l.walks.push(GrownWalk {
                place,
                text,
                per_item,
                len,
                accesses,
            });
        }
    }

    /// Before a loop ends: the steps built-ins took through containers the
    /// loop grows are judged by the container's size half-way through the
    /// loop, or by the bound the loop keeps it to. Those through containers
    /// this loop does not grow pass on to the enclosing loop.
    pub(crate) fn grown_walks(
        &mut self,
        before: &BTreeMap<String, Value>,
        attr_before: &[accumulate::AttrBefore],
        trip: &Sym,
        bounds: &[(Expr, Sym)],
    ) {
        let Some(l) = self.loops.last_mut() else {
            return;
        };
        let records = std::mem::take(&mut l.walks);
        let frame = l.frame;
        let half = trip.sub(&Sym::one()).clamp0().scale(0.5);
        let mut extra = 0.0;
        let mut pass_on = Vec::new();
        for r in records {
            let old = held_before(&r.place, before, attr_before);
            match (old, self.held(&r.place)) {
                (Some(old), Some(new)) => {
                    let mid = self
                        .grown_value(&old, &new, &half)
                        .and_then(|v| v.len())
                        .map(|l| self.num(&l))
                        .unwrap_or(r.len);
                    // A container kept to a size (`if len(buf) > k:
                    // buf.pop()`) fills to it in its first k iterations and
                    // stays there: its mean over the loop is near the bound
                    // however slowly the mean net growth says it fills.
                    let mid = match bounds.iter().find(|(e, _)| unparse::unparse(e) == r.text) {
                        Some((_, b)) => {
                            let (b, trips) = (self.num(b), self.num(trip));
                            if trips > b && mid > r.len {
                                b * (1.0 - b / (2.0 * trips))
                            } else {
                                mid.min(b)
                            }
                        }
                        None => mid,
                    };
                    extra += r.per_item * (mid - r.len).max(0.0) * r.accesses;
                }
                _ => pass_on.push(r),
            }
        }
        if let Some(l) = self.loops.last_mut() {
            l.ops.walked += extra;
        }
        if let Some(outer) = self.enclosing_loop() {
            let same_frame = outer.frame == frame;
            outer
                .walks
                .extend(pass_on.into_iter().filter(|r| r.place.outlives(same_frame)));
        }
    }

    /// Before a loop ends: the keyed accesses into containers the loop grows
    /// (`before` and `attr_before` hold their values before it) are judged
    /// by the container's size half-way through the loop. Accesses into
    /// containers this loop does not grow, and those whose keys are random
    /// draws, pass on to the enclosing loop, which may grow them further.
    pub(crate) fn grown_access_misses(
        &mut self,
        before: &BTreeMap<String, Value>,
        attr_before: &[accumulate::AttrBefore],
        trip: &Sym,
    ) {
        let Some(l) = self.loops.last_mut() else {
            return;
        };
        let records = std::mem::take(&mut l.keyed);
        let frame = l.frame;
        let n = self.loops.len();
        let caller_loops = n >= 2 && self.loops[n - 2].frame != frame;
        let half = trip.sub(&Sym::one()).clamp0().scale(0.5);
        let mut extra = 0.0;
        let mut pass_on = Vec::new();
        let mut judged = Vec::with_capacity(records.len());
        for mut r in records {
            let old = held_before(&r.place, before, attr_before);
            let resolved = match (old, self.held(&r.place)) {
                (Some(old), Some(new)) => {
                    if let Some(mid) = self.grown_value(&old, &new, &half) {
                        let bytes = if r.deep {
                            self.python_bytes(&mid)
                        } else {
                            self.reach_bytes(&mid)
                        };
                        let share = miss_share(bytes);
                        extra += (share - r.share).max(0.0) * r.accesses;
                        r.share = r.share.max(share);
                    }
                    true
                }
                _ => false,
            };
            judged.push((r, resolved));
        }
        // The containers a loop nest reaches into by key share the caches:
        // a BFS's `dist` and `adj` each fit, together they do not (measured:
        // 75 ns an edge on 2,000 nodes, 536 ns on 60,000, where `dist` alone
        // is 3 MiB). Each access misses as often as the nest's working set
        // says, if that is more than its own container says.
        let working = miss_share(self.working_set(frame, judged.iter().map(|(r, _)| &r.place)));
        for (r, resolved) in judged {
            let mut r = r;
            if working > r.share {
                extra += (working - r.share) * r.accesses;
                r.share = working;
            }
            // Keys drawn at random land anywhere in what the enclosing loops
            // grow (`counts[pair] += 1` over each basket's pairs, in a loop
            // over baskets): they judge the access again, charging only the
            // misses not yet charged. So do accesses in a method into a
            // structure its caller's loop fills call after call
            // (`self.postings[word].add(doc)` per document). Other keys (a
            // worklist's neighbours) follow where the container grows,
            // judged here.
            if !resolved || (r.share < 1.0 && (r.scattered || caller_loops)) {
                pass_on.push(r);
            }
        }
        if let Some(l) = self.loops.last_mut() {
            l.ops.cold_accesses += extra;
        }
        if let Some(outer) = self.enclosing_loop() {
            let same_frame = outer.frame == frame;
            outer
                .keyed
                .extend(pass_on.into_iter().filter(|r| r.place.outlives(same_frame)));
        }
    }

    /// Bytes the loops of `frame` now running reach into by key: each
    /// container once (`places` are this loop's, the enclosing loops' are
    /// added), at its size now.
    fn working_set<'p>(&'p self, frame: usize, places: impl Iterator<Item = &'p Place>) -> f64 {
        let key = |p: &Place| match p {
            Place::Name(n) => (0usize, n.clone()),
            Place::Attr(a, n) => (Rc::as_ptr(a) as usize, n.clone()),
        };
        let mut seen = std::collections::HashSet::new();
        let mut bytes = 0.0;
        let outer = self
            .loops
            .iter()
            .filter(|l| l.frame == frame)
            .flat_map(|l| l.keyed.iter().map(|r| &r.place));
        for p in places.chain(outer) {
            if seen.insert(key(p)) {
                bytes += self.held(p).map(|v| self.reach_bytes(&v)).unwrap_or(0.0);
            }
        }
        bytes
    }

    /// A key that walks its container in order from one iteration to the
    /// next: a constant, a counter of an enclosing loop (`range`, the index
    /// of `enumerate`), or such a counter plus or minus a constant; a tuple
    /// or slice of those.
    fn in_order(&self, k: &Expr) -> bool {
        match &k.kind {
            ExprKind::Int(_) | ExprKind::Str(_) | ExprKind::Bool(_) | ExprKind::NoneLit => true,
            ExprKind::Name(n) => self.is_counter(n),
            ExprKind::BinOp {
                left,
                op: BinOp::Add | BinOp::Sub,
                right,
            } => {
                (self.in_order(left) && self.in_order(right))
                    || (left.as_name().is_some_and(|n| self.is_counter(n))
                        && right.as_int().is_some())
            }
            ExprKind::UnaryOp { operand, .. } => self.in_order(operand),
            ExprKind::Tuple(items) => items.iter().all(|i| self.in_order(i)),
            ExprKind::Slice { .. } => true,
            _ => false,
        }
    }

    fn is_counter(&self, name: &str) -> bool {
        self.loops
            .iter()
            .rev()
            .take_while(|l| l.frame == self.frames.len())
            .any(|l| l.counters.iter().any(|c| c == name))
    }

    /// Marks the names a `for` binds to a counting sequence: the variable of
    /// `range(...)`, the index of `enumerate(...)`.
    pub(crate) fn note_counters(&mut self, target: &Expr, iter: &Expr, it: &Value) {
        let callee = match &iter.kind {
            ExprKind::Call { func, .. } => func.as_name(),
            _ => None,
        };
        let counting = matches!(it, Value::Range { .. }) || callee == Some("range");
        let names = match (&target.kind, callee) {
            _ if counting => target.names(),
            (ExprKind::Tuple(items), Some("enumerate")) => items
                .first()
                .and_then(|i| i.as_name())
                .map(|n| vec![n.to_string()])
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        if let Some(l) = self.loops.last_mut() {
            l.counters = names;
        }
    }
}
