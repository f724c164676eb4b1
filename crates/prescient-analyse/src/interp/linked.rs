//! Linked structures built by attribute stores: trees and lists whose nodes
//! are instances of one class that link to others of it
//! (`node.left = Node(key)` at the end of a search down a binary tree,
//! `self.tail.next = Node(x)` at the end of a list).
//!
//! A loop body is interpreted once, so a structure that gains a node per
//! iteration holds one or two nodes in the abstract state. Its root (the
//! oldest instance of the class from which the new node's parent is
//! reached) carries the number of nodes, as the head of a chain built by
//! `head = Node(x, head)` does (`loops::CHAIN`), and the names of the links
//! seen (`LINKS`). Enclosing loops extrapolate the count like any attribute
//! that accumulates. From it follow:
//! - the memory of all the nodes (`ledger.rs` counts the root as that many);
//! - the trips of a loop that walks the structure
//!   (`while node is not None: node = node.left ...`): for a tree (two links
//!   or more) the depth of a search, taken as a random binary search tree's,
//!   `2 ln n - 1.85` comparisons on average (`2 ln n - 2.85` averaged over
//!   the insertions that build it); for a list, its length, or half of it
//!   when the walk stops early;
//! - the calls of a function that recurses over the links (`height(n.left)`,
//!   `inorder(n.right, out)`): one per node, plus a cheap one per empty link
//!   (`recursion.rs`).
//!
//! A structure a recursive function builds (`return Node(build(l), build(r))`)
//! gets its root the same way, from the number of calls that made a node
//! (`built_by_recursion`).

use super::*;
use prescient_syntax::ast::{CmpOp, Expr, ExprKind, FunctionDef, Stmt, StmtKind};
use std::rc::Rc;

/// Hidden attribute of a linked structure's root: the names of the links
/// its nodes were attached by, space-separated.
pub(crate) const LINKS: &str = "__links__";

/// Hidden attribute of a structure's root built by a recursive function:
/// its nodes were made depth first, the order a recursion over its links
/// visits them in, so such a visit walks memory in order.
pub(crate) const DEPTH_FIRST: &str = "__depth_first__";

/// Whether an attribute is bookkeeping of the analyser, not the program's.
pub(crate) fn hidden(name: &str) -> bool {
    name == loops::CHAIN || name == LINKS || name == DEPTH_FIRST
}

/// How deep the search for a structure's root goes from the program's names.
const MAX_DEPTH: u32 = 6;

/// The distinct links recorded on a root.
fn links_of(attrs: &Attrs) -> Vec<String> {
    match attrs.borrow().get(LINKS) {
        Some(Value::Str { text: Some(t), .. }) => t
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether `v` reaches the instance whose attributes live at `target`
/// through attributes of instances (and the objects holding them).
fn reaches(v: &Value, target: usize, depth: u32) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match v {
        Value::Instance { attrs, .. } | Value::Obj { attrs, .. } => {
            if Rc::as_ptr(attrs) as usize == target {
                return true;
            }
            let Ok(a) = attrs.try_borrow() else {
                return false;
            };
            a.iter()
                .filter(|(k, _)| !hidden(k))
                .any(|(_, x)| reaches(x, target, depth + 1))
        }
        _ => false,
    }
}

/// The average trips of a loop that walks a structure of `nodes` nodes
/// linked by `links` distinct attributes. `building`: the walk ends where
/// the next node is attached, averaged over the insertions that build it.
/// `early`: the walk may stop before the end (a `break` or `return`).
pub(crate) fn walk_trips(nodes: f64, links: usize, building: bool, early: bool) -> f64 {
    let n = nodes.max(1.0);
    if links >= 2 {
        let depth = if building {
            2.0 * n.ln() - 2.85
        } else {
            2.0 * n.ln() - 1.85
        };
        depth.max(1.0)
    } else if building || early {
        (n / 2.0).max(1.0)
    } else {
        n
    }
}

impl Interp<'_> {
    /// The root of the linked structure the instance at `attrs` (of `class`)
    /// belongs to: the oldest instance of that class, held by a name in any
    /// frame or by the objects those names hold, from which it is reached.
    /// The instance itself when nothing older reaches it.
    pub(crate) fn structure_root(&self, class: &Rc<ClassVal>, attrs: &Attrs) -> Attrs {
        let target = Rc::as_ptr(attrs) as usize;
        let mut best: Option<(u64, Attrs)> = None;
        let consider = |v: &Value, best: &mut Option<(u64, Attrs)>| {
            let mut stack = vec![(v.clone(), 0u32)];
            while let Some((v, depth)) = stack.pop() {
                let (Value::Instance { attrs: a, .. } | Value::Obj { attrs: a, .. }) = &v else {
                    continue;
                };
                if depth > MAX_DEPTH {
                    continue;
                }
                if let Value::Instance { class: c, .. } = &v {
                    if Rc::ptr_eq(c, class) && reaches(&v, target, 0) {
                        let born = self.born_of(a);
                        if best.as_ref().is_none_or(|(b, _)| born < *b) {
                            *best = Some((born, a.clone()));
                        }
                    }
                }
                let Ok(inner) = a.try_borrow() else {
                    continue;
                };
                for (k, x) in inner.iter() {
                    if !hidden(k) {
                        stack.push((x.clone(), depth + 1));
                    }
                }
            }
        };
        for f in &self.frames {
            for v in f.locals.values() {
                consider(v, &mut best);
            }
        }
        for v in self.globals.values() {
            consider(v, &mut best);
        }
        best.map(|(_, a)| a).unwrap_or_else(|| attrs.clone())
    }

    /// `parent.link = new`: a fresh instance of the parent's own class stored
    /// where there was none. Counts one node (times the share of iterations
    /// the store runs in) on the structure's root.
    pub(crate) fn attach_link(&mut self, parent: &Value, link: &str, new: &Value) {
        let (
            Value::Instance {
                class,
                attrs: parent_attrs,
            },
            Value::Instance {
                class: new_class,
                attrs: new_attrs,
            },
        ) = (parent, new)
        else {
            return;
        };
        if !Rc::ptr_eq(class, new_class) || Rc::ptr_eq(parent_attrs, new_attrs) {
            return;
        }
        let empty = matches!(parent_attrs.borrow().get(link), None | Some(Value::None));
        if !empty {
            return;
        }
        let root = self.structure_root(class, parent_attrs);
        // The share of the enclosing iterations that reach this store: the
        // branch weights, without the loops' own trips.
        let trips: f64 = self
            .loops
            .iter()
            .map(|l| self.num(&l.trip).max(1.0))
            .product();
        // A walk that attaches and leaves stores once per walk, whichever
        // of its steps (and branches) it does it in: its node counts in the
        // share of iterations the walk runs in, spread over the walk's own
        // trips (the walk loop extrapolates it back to one).
        let share = match self.walk_loops.last().copied() {
            // One node per walk, however many attaching branches it has.
            Some((_, _, true)) => 0.0,
            Some((i, outer, false)) => {
                let walk: f64 = self.loops[i.min(self.loops.len())..]
                    .iter()
                    .map(|l| self.num(&l.trip).max(1.0))
                    .product();
                if let Some(w) = self.walk_loops.last_mut() {
                    w.2 = true;
                }
                outer / walk
            }
            None => (self.mult_num / trips.max(1.0)).clamp(0.0, 1.0),
        };
        let Some(count) = loops::chain_length(&Value::Instance {
            class: class.clone(),
            attrs: root.clone(),
        }) else {
            return;
        };
        self.mark_accumulated_cell(&root, loops::CHAIN, Value::Int(Sym::num(count)));
        let mut links = links_of(&root);
        if !links.iter().any(|l| l == link) {
            links.push(link.to_string());
        }
        let mut r = root.borrow_mut();
        r.insert(loops::CHAIN.into(), Value::Int(Sym::num(count + share)));
        r.insert(LINKS.into(), Value::str_known(&links.join(" ")));
    }

    /// `return Tree(build(lo, mid), mid, build(mid + 1, hi))`, or a node
    /// whose attributes are set to what the function returns for the parts
    /// (`node.left = build(...)`): a recursive function that builds a
    /// structure. Its recursive calls are not followed, so the instance the
    /// outermost call returns holds unknowns where its parts go. That
    /// instance becomes the root of a structure of as many nodes as the
    /// calls that made one: all `calls`, or, where the empty parts are
    /// `None`, one in `links` (a binary tree of `n` nodes takes `2n + 1`
    /// calls). Its memory then counts every node, and a function recursing
    /// over the links makes a call per node (`recursion.rs`).
    pub(crate) fn built_by_recursion(
        &mut self,
        d: &FunctionDef,
        calls: f64,
        returns: &[Value],
        result: &Value,
    ) {
        let Value::Instance { attrs, .. } = result else {
            return;
        };
        if !builds_from_recursion(d) || attrs.borrow().contains_key(loops::CHAIN) {
            return;
        }
        let links: Vec<String> = attrs
            .borrow()
            .iter()
            .filter(|(k, v)| !hidden(k) && matches!(v, Value::Unknown))
            .map(|(k, _)| k.clone())
            .collect();
        if links.is_empty() {
            return;
        }
        let ends_in_none = returns.iter().any(|v| matches!(v, Value::None)) || returns_none(d);
        let nodes = if ends_in_none {
            (calls / links.len() as f64).max(1.0)
        } else {
            calls
        };
        let mut a = attrs.borrow_mut();
        for l in &links {
            a.insert(l.clone(), Value::None);
        }
        a.insert(loops::CHAIN.into(), Value::Int(Sym::num(nodes)));
        a.insert(LINKS.into(), Value::str_known(&links.join(" ")));
        a.insert(DEPTH_FIRST.into(), Value::Bool(Some(true)));
    }

    /// Whether the instance `v` is an item of a container reachable from the
    /// program's names (a list of nodes, a dict of records): the abstract
    /// item of that container is the very instance.
    pub(crate) fn held_in_container(&self, v: &Value) -> bool {
        let Value::Instance { attrs, .. } = v else {
            return false;
        };
        let target = Rc::as_ptr(attrs) as usize;
        fn item_is(v: &Value, target: usize, depth: u32) -> bool {
            if depth > 4 {
                return false;
            }
            match v {
                Value::Seq { items, .. } => {
                    let is = |x: &Value| match x {
                        Value::Instance { attrs, .. } => Rc::as_ptr(attrs) as usize == target,
                        Value::Seq {
                            items: SeqItems::Known(kv),
                            ..
                        } => kv.iter().any(|y| {
                            matches!(y, Value::Instance { attrs, .. }
                                if Rc::as_ptr(attrs) as usize == target)
                        }),
                        _ => false,
                    };
                    match items {
                        SeqItems::Homog { elem, .. } => {
                            is(elem) || item_is(elem, target, depth + 1)
                        }
                        SeqItems::Known(xs) => {
                            xs.iter().any(|x| is(x) || item_is(x, target, depth + 1))
                        }
                    }
                }
                Value::Instance { attrs, .. } | Value::Obj { attrs, .. } => {
                    let Ok(a) = attrs.try_borrow() else {
                        return false;
                    };
                    a.iter()
                        .filter(|(k, _)| !hidden(k))
                        .any(|(_, x)| item_is(x, target, depth + 1))
                }
                _ => false,
            }
        }
        self.frames
            .iter()
            .flat_map(|f| f.locals.values())
            .chain(self.globals.values())
            .any(|x| item_is(x, target, 0))
    }

    /// The bytes of all the instances of `v`'s class the program holds, as
    /// far as the analysis sees them: the biggest container of them
    /// reachable from the program's names (a graph's list of nodes, a
    /// board's squares), else the structure they are linked into (a tree
    /// reached from its root alone). The container comes first: a
    /// structure's count grows with every loop that attaches nodes, also
    /// where each iteration builds a new one and drops the old.
    pub(crate) fn population_bytes(&self, v: &Value) -> f64 {
        let Value::Instance { class, .. } = v else {
            return 0.0;
        };
        fn of_class(v: &Value, class: &Rc<ClassVal>) -> bool {
            matches!(v, Value::Instance { class: c, .. } if Rc::ptr_eq(c, class))
        }
        fn biggest(it: &Interp<'_>, v: &Value, class: &Rc<ClassVal>, depth: u32) -> f64 {
            if depth > 3 {
                return 0.0;
            }
            match v {
                Value::Seq {
                    items: SeqItems::Homog { elem, .. },
                    ..
                } if of_class(elem, class) => {
                    let n = v.len().map(|l| it.num(&l)).unwrap_or(0.0);
                    n * it.node_bytes(elem)
                }
                Value::Instance { attrs, .. } => {
                    let Ok(a) = attrs.try_borrow() else {
                        return 0.0;
                    };
                    a.iter()
                        .filter(|(k, _)| !hidden(k))
                        .map(|(_, x)| biggest(it, x, class, depth + 1))
                        .fold(0.0, f64::max)
                }
                _ => 0.0,
            }
        }
        let held = self
            .frames
            .iter()
            .flat_map(|f| f.locals.values())
            .chain(self.globals.values())
            .map(|x| biggest(self, x, class, 0))
            .fold(0.0, f64::max);
        if held > 0.0 {
            return held;
        }
        match self.structure_of(v).filter(|(n, _, _)| *n > 1.0) {
            Some((_, _, root)) => self.python_bytes(&Value::Instance {
                class: class.clone(),
                attrs: root,
            }),
            None => 0.0,
        }
    }

    /// What reaching one instance touches: its header and slots, and its
    /// attributes' own objects as far as their heads (a list's header, not
    /// its items, which are other nodes).
    fn node_bytes(&self, v: &Value) -> f64 {
        let Value::Instance { attrs, .. } = v else {
            return 0.0;
        };
        let Ok(a) = attrs.try_borrow() else {
            return 0.0;
        };
        a.iter()
            .filter(|(k, _)| !hidden(k))
            .map(|(_, x)| {
                8.0 + match x {
                    Value::Seq { kind, .. } => super::ledger::container_bytes(*kind, 0.0),
                    Value::Instance { .. } | Value::Obj { .. } => 0.0,
                    x => self.scalar_bytes(x).unwrap_or(0.0),
                }
            })
            .sum::<f64>()
            + 72.0
    }

    /// The nodes and distinct links of the structure `v` belongs to, if it is
    /// a node of one built by attribute stores (or a chain).
    pub(crate) fn structure_of(&self, v: &Value) -> Option<(f64, usize, Attrs)> {
        let Value::Instance { class, attrs } = v else {
            return None;
        };
        let root = self.structure_root(class, attrs);
        let nodes = loops::chain_length(&Value::Instance {
            class: class.clone(),
            attrs: root.clone(),
        })?;
        let links = links_of(&root).len().max(1);
        Some((nodes, links, root))
    }

    /// Trips of `while` loops that walk a linked structure by stepping a
    /// name along its links: `while node is not None:`, `while node:`,
    /// `while node.next:` or `while True:` with `node = node.left` (any of
    /// several links) in the body. Also notes whether the walk attaches a
    /// node and leaves, for `attach_link` to count it once per walk.
    pub(crate) fn structure_walk_trips(&mut self, test: &Expr, body: &[Stmt]) -> Option<Sym> {
        let named = match &test.kind {
            ExprKind::Bool(true) => None,
            ExprKind::Name(n) => Some(n.as_str()),
            ExprKind::Attribute { value, .. } => Some(value.as_name()?),
            ExprKind::Compare {
                left,
                ops,
                comparators,
            } if ops.len() == 1
                && matches!(ops[0], CmpOp::IsNot | CmpOp::NotEq)
                && matches!(comparators[0].kind, ExprKind::NoneLit) =>
            {
                match &left.kind {
                    ExprKind::Attribute { value, .. } => Some(value.as_name()?),
                    _ => Some(left.as_name()?),
                }
            }
            _ => return None,
        };
        // The names stepped along an attribute of themselves, with the links.
        let mut steps: Vec<(String, String)> = Vec::new();
        let mut attaches: Vec<String> = Vec::new();
        let mut leaves = false;
        for s in body {
            s.walk(&mut |st| match &st.kind {
                StmtKind::Assign { targets, value } => {
                    for t in targets {
                        if let (Some(var), ExprKind::Attribute { value: base, attr }) =
                            (t.as_name(), &value.kind)
                        {
                            if base.as_name() == Some(var) {
                                steps.push((var.to_string(), attr.clone()));
                            }
                        }
                        if let (ExprKind::Attribute { value: base, .. }, ExprKind::Call { .. }) =
                            (&t.kind, &value.kind)
                        {
                            if let Some(b) = base.as_name() {
                                attaches.push(b.to_string());
                            }
                        }
                    }
                }
                StmtKind::Return(_) | StmtKind::Break => leaves = true,
                _ => {}
            });
        }
        let var = match named {
            Some(v) => v.to_string(),
            None => steps.first()?.0.clone(),
        };
        let mut links: Vec<&str> = steps
            .iter()
            .filter(|(v, _)| *v == var)
            .map(|(_, l)| l.as_str())
            .collect();
        links.sort_unstable();
        links.dedup();
        if links.is_empty() {
            return None;
        }
        // `while True:` must have a way out.
        if named.is_none() && !leaves {
            return None;
        }
        let start = self.lookup(&var)?;
        let (mut nodes, known_links, root) = self.structure_of(&start)?;
        let building = attaches.contains(&var);
        if building {
            // The walk runs once per node attached: the structure grows by
            // the iterations of the enclosing loops younger than its root.
            let born = self.born_of(&root);
            let growth: f64 = self
                .loops
                .iter()
                .filter(|l| l.serial >= born)
                .map(|l| self.num(&l.trip).max(1.0))
                .product();
            nodes += growth;
            if leaves {
                self.walk_pending = true;
            }
        }
        let links = links.len().max(known_links);
        // A tree's nodes were made in the order their keys came, and a
        // search visits them in another: below the levels the caches hold,
        // each step lands anywhere among them (one a recursion built depth
        // first is laid out as it is searched).
        if let (true, Value::Instance { class, .. }) = (
            links >= 2 && !root.borrow().contains_key(DEPTH_FIRST),
            &start,
        ) {
            let bytes = self.python_bytes(&Value::Instance {
                class: class.clone(),
                attrs: root.clone(),
            });
            self.tree_walk_node = Some(bytes / nodes.max(1.0));
        }
        let trips = walk_trips(nodes, links, building, leaves);
        Some(Sym::num(trips))
    }
}

/// Whether a function puts what it returns for the parts into what it
/// builds: a call to itself passed to another call (a constructor), or
/// stored in an attribute.
fn builds_from_recursion(d: &FunctionDef) -> bool {
    let own = |e: &Expr| match &e.kind {
        ExprKind::Call { func, .. } => match &func.kind {
            ExprKind::Name(n) => *n == d.name,
            ExprKind::Attribute { attr, .. } => *attr == d.name,
            _ => false,
        },
        _ => false,
    };
    let mut found = false;
    for s in &d.body {
        s.walk(&mut |st| {
            if let StmtKind::Assign { targets, value } = &st.kind {
                if own(value)
                    && targets
                        .iter()
                        .any(|t| matches!(t.kind, ExprKind::Attribute { .. }))
                {
                    found = true;
                }
            }
            for e in st.exprs() {
                e.walk(&mut |x| {
                    if let ExprKind::Call { args, keywords, .. } = &x.kind {
                        if !own(x)
                            && (args.iter().any(own) || keywords.iter().any(|k| own(&k.value)))
                        {
                            found = true;
                        }
                    }
                });
            }
        });
    }
    found
}

/// Whether a function has a `return` of nothing or of `None` (the empty
/// part of a structure it builds, whether or not the outermost call took
/// that branch).
fn returns_none(d: &FunctionDef) -> bool {
    let mut found = false;
    for s in &d.body {
        s.walk(&mut |st| {
            if let StmtKind::Return(v) = &st.kind {
                found |= v
                    .as_ref()
                    .is_none_or(|e| matches!(e.kind, ExprKind::NoneLit));
            }
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::walk_trips;

    #[test]
    fn a_random_tree_is_searched_in_logarithmic_steps() {
        // 200,000 random keys: a search compares about 2 ln n - 1.85 times.
        let t = walk_trips(2e5, 2, false, true);
        assert!((t - 22.6).abs() < 0.2, "{t}");
        // Building it, the tree is smaller on average.
        assert!(walk_trips(2e5, 2, true, true) < t);
        // A list is walked to its end, or half way when the walk stops early.
        assert_eq!(walk_trips(1000.0, 1, false, false), 1000.0);
        assert_eq!(walk_trips(1000.0, 1, false, true), 500.0);
        assert_eq!(walk_trips(0.0, 2, true, true), 1.0);
    }
}
