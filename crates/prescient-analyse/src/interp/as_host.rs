//! The interpreter as the [`Host`] the knowledge base and the idiom
//! recognisers run in: each method hands on to the interpreter's own.

use super::*;
use crate::host::{Host, Written};
use prescient_syntax::ast::Expr;
use std::rc::Rc;

impl Host for Interp<'_> {
    fn num(&self, s: &Sym) -> f64 {
        Interp::num(self, s)
    }
    fn unknown(&mut self, base: &str, assumed: f64, reason: String) -> Sym {
        Interp::unknown(self, base, assumed, reason)
    }
    fn unknown_int(&mut self, what: &str) -> Sym {
        Interp::unknown_int(self, what)
    }
    fn note(&mut self, text: String) {
        Interp::note(self, text)
    }

    fn new_array(&mut self, shape: Vec<Sym>, dtype: DType, lib: Lib, origin: Origin) -> Value {
        Interp::new_array(self, shape, dtype, lib, origin)
    }
    fn view_of(&mut self, base: &ArrayVal, shape: Vec<Sym>) -> Value {
        Interp::view_of(self, base, shape)
    }
    fn emit(&mut self, d: Draft) -> usize {
        Interp::emit(self, d)
    }
    fn kernel_mut(&mut self, idx: usize) -> Option<&mut Kernel> {
        self.cur_kernels.get_mut(idx)
    }
    fn last_kernel_mut(&mut self) -> Option<&mut Kernel> {
        self.cur_kernels.last_mut()
    }
    fn pop_kernel(&mut self) -> Option<Kernel> {
        self.cur_kernels.pop()
    }
    fn note_temp(&mut self, bytes: f64) {
        Interp::note_temp(self, bytes)
    }
    fn array_binop(
        &mut self,
        l: Value,
        r: Value,
        flops: f64,
        name: &str,
        in_place: bool,
        boolean: bool,
    ) -> Value {
        Interp::array_binop(self, l, r, flops, name, in_place, boolean)
    }
    fn autograd(&mut self, inputs: &[&Value], flops_per_elem: f64, shape: &[Sym], dtype: DType) {
        Interp::autograd(self, inputs, flops_per_elem, shape, dtype)
    }
    fn grad(&mut self) -> &mut GradTape {
        &mut self.grad
    }

    fn ops_with(&mut self, f: &mut dyn FnMut(&mut PyOps, f64)) {
        Interp::ops(self, f)
    }
    fn mult(&self) -> &Sym {
        &self.mult
    }
    fn mult_num(&self) -> f64 {
        self.mult_num
    }
    fn branch_share(&self) -> f64 {
        self.branch_share
    }
    fn python_bytes(&self, v: &Value) -> f64 {
        Interp::python_bytes(self, v)
    }
    fn python_order(&self, v: &Value) -> Option<PythonOrder> {
        Interp::python_order(self, v)
    }
    fn python_compares(&mut self, order: PythonOrder, l: Value, r: Value, times: f64) {
        Interp::python_compares(self, order, l, r, times)
    }
    fn hash_key(&mut self, container: &Value, key: &Value) {
        Interp::hash_key(self, container, key)
    }

    fn key_share(&mut self, container: &Expr, key: Option<&Expr>, repeats: bool) -> Sym {
        Interp::key_share(self, container, key, repeats)
    }

    fn set_key_share(&mut self, container: &Expr, key: Option<&Expr>) -> Sym {
        Interp::key_share_in(self, container, key, false, true)
    }

    fn held_in_container(&self, v: &Value) -> bool {
        Interp::held_in_container(self, v)
    }
    fn inner_loop_repeats(&self, name: &str) -> Option<f64> {
        Interp::inner_loop_repeats(self, name)
    }
    fn variety_share(&mut self, container: &Expr, key: &Expr) -> Option<f64> {
        Interp::variety_share(self, container, key)
    }
    fn measured_text(&self, line: u32) -> Option<(f64, f64)> {
        self.oracle_text(line)
    }

    fn measured_key_share(&self, line: u32) -> Option<f64> {
        self.oracle_key_share(line)
    }

    fn in_loop(&self) -> bool {
        !self.loops.is_empty()
    }
    fn loop_chain(&self) -> Vec<(Vec<String>, Sym)> {
        Interp::loop_chain(self)
    }
    fn enter_loop(&mut self, vars: Vec<String>, trip: Sym, comprehension: bool) {
        Interp::enter_loop(self, vars, trip, comprehension)
    }
    fn exit_loop(&mut self) {
        Interp::exit_loop(self)
    }
    fn iteration_named(&mut self, v: &Value, text: &str) -> (Sym, Value) {
        Interp::iteration_named(self, v, text)
    }

    fn lookup(&self, name: &str) -> Option<Value> {
        Interp::lookup(self, name)
    }
    fn qual_of(&self, e: &Expr) -> Option<String> {
        Interp::qual_of(self, e)
    }
    fn hoisted(&self, name: &str) -> Option<&Expr> {
        self.hoisted.get(name)
    }
    fn peek(&self, e: &Expr) -> Option<Value> {
        Interp::peek(self, e)
    }
    fn assign(&mut self, target: &Expr, v: Value) {
        Interp::assign(self, target, v)
    }
    fn mark_accumulated_target(&mut self, target: &Expr) {
        Interp::mark_accumulated_target(self, target)
    }
    fn attribute(&mut self, v: Value, attr: &str) -> Value {
        Interp::attribute(self, v, attr)
    }
    fn super_proxy(&self) -> Value {
        Interp::super_proxy(self)
    }
    fn call_function(
        &mut self,
        f: &Rc<FuncVal>,
        pos: Vec<Value>,
        kw: Vec<(String, Value)>,
    ) -> Value {
        Interp::call_function(self, f, pos, kw)
    }
    fn call_value_simple(&mut self, callee: Value, pos: Vec<Value>) -> Value {
        Interp::call_value_simple(self, callee, pos)
    }
    fn call_dunder(&mut self, f: &Rc<FuncVal>, args: Vec<Value>) -> Value {
        Interp::call_dunder(self, f, args)
    }
    fn call_times(&mut self, f: &Rc<FuncVal>, args: Vec<Value>, times: f64) -> Value {
        Interp::call_times(self, f, args, times)
    }

    fn probe(&self) -> &dyn FileProbe {
        self.probe
    }
    fn argv(&self) -> &[String] {
        self.args
    }
    fn written(&self, path: &str) -> Option<Written> {
        self.written.get(path).cloned()
    }
    fn wrote(&mut self, path: String, file: Written) {
        self.written.insert(path, file);
    }
    fn note_made(&mut self, size: f64, how: &str, v: Value) {
        // The latest of a size wins; a program makes a few such things.
        self.made
            .retain(|(s, h, _)| (s - size).abs() >= 0.5 || h != how);
        if self.made.len() < 64 {
            self.made.push((size, how.to_string(), v));
        }
    }
    fn note_walk(&mut self, container: &Expr, per_item: f64, len: f64) {
        Interp::note_walk(self, container, per_item, len)
    }
    fn setting(&self, key: &str) -> Option<Value> {
        self.settings.get(key).cloned()
    }
    fn set_setting(&mut self, key: &str, v: Value) {
        self.settings.insert(key.to_string(), v);
    }
    fn made(&self, size: f64, how: &str) -> Option<Value> {
        self.made
            .iter()
            .find(|(s, h, _)| (s - size).abs() < 0.5 && h == how)
            .map(|(_, _, v)| v.clone())
    }
}
