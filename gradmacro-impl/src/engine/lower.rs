//! Lowering: the function body becomes an IR [`Body`]. Here: the lowering's state (values,
//! arrays, the names in scope) and the entry for a whole function. Statements and control flow
//! are in `lower_stmt`, `let` in `lower_let`, local arrays and buffers in `lower_buffer`,
//! expressions in `lower_expr`, and the other constructs in their own `lower_*` modules.
//!
//! User variables live only here, as names bound to operands. An assignment rebinds the name to
//! a new value; at an `if` join the names either arm rebinds get a phi; names a loop body
//! rebinds become carried slots. `break`, `continue` and `return` are data flow too: they set
//! the pseudo-variable `$exit`, and the statements after one that may have exited run under
//! `if $exit == 0`. That keeps every region structured, which is what the reverse pass needs.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::{BinOp, Expr, UnOp};

use super::Errors;
use super::ir::{ArrayRef, ArraySlot, Block, Body, Kind, Operand, ValId, ValInfo};
use super::sig::{Shape, Sig};

/// Names the user cannot write, for the control-flow pseudo-variables.
pub const EXIT: &str = "$exit";
pub const RET: &str = "$ret";

pub const EXIT_NONE: u8 = 0;
pub const EXIT_BREAK: u8 = 1;
pub const EXIT_CONTINUE: u8 = 2;
pub const EXIT_RETURN: u8 = 3;

pub fn exit_lit(code: u8) -> Operand {
    Operand::Lit(quote!(#code))
}

pub fn default_lit() -> Operand {
    // The value of a path not taken: in a generic function (whose `F` has no `Default`), a float.
    if super::generic_mode::on() {
        return Operand::Lit(quote!(0.0));
    }
    Operand::Lit(quote!(::core::default::Default::default()))
}

#[derive(Clone, Debug)]
pub enum Binding {
    /// A value; `refs` counts the references plain code sees it behind (1 for an element bound by
    /// reference, `for x in xs.iter()`; 2 for a `filter` closure's parameter), which plain
    /// code sees as `&value`.
    Scalar { op: Operand, refs: u8 },
    /// An array, read by index. `handle` is how plain code names it (`xs.len()`).
    Array { array: ArrayRef, active: bool, handle: TokenStream, handle_use: Option<ValId> },
    /// A local closure (`let sq = |v: f64| v * v;`), inlined where it is called.
    Closure(std::rc::Rc<super::lower_closure::LocalClosure>),
    /// Element `index` of the differentiated slice of structs `param` (`for p in ps`,
    /// `let p = &ps[i];`), read by field (`p.x`); plain code sees it as `(&ps[index])`.
    Elem { param: usize, index: Operand, handle: TokenStream, handle_use: Option<ValId> },
    /// A window of an array (`for w in xs.windows(2)`, see `lower_window`): positions
    /// `start..start + len`, read by index (`w[1]`); `array` is the differentiated or local
    /// array, `None` for constant data; `handle` is how plain code names the array.
    Window {
        array: Option<ArrayRef>,
        active: bool,
        start: Operand,
        len: Operand,
        handle: TokenStream,
        handle_use: Option<ValId>,
    },
}

impl Binding {
    pub(super) fn same(&self, other: &Binding) -> bool {
        match (self, other) {
            (Binding::Scalar { op: a, .. }, Binding::Scalar { op: b, .. }) => a.same(b),
            (Binding::Array { array: a, .. }, Binding::Array { array: b, .. }) => a == b,
            (Binding::Closure(a), Binding::Closure(b)) => std::rc::Rc::ptr_eq(a, b),
            (Binding::Elem { param: a, index: i, .. }, Binding::Elem { param: b, index: j, .. }) => a == b && i.same(j),
            (Binding::Window { array: a, start: i, .. }, Binding::Window { array: b, start: j, .. }) => {
                a == b && i.same(j)
            }
            _ => false,
        }
    }
}

/// The variables in scope, innermost last, with an index by name so that a lookup does not scan
/// the whole function (expansion time stays linear in the size of the body).
#[derive(Clone, Default)]
pub struct Env {
    entries: Vec<(String, Binding)>,
    by_name: HashMap<String, Vec<usize>>,
}

impl Env {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn push(&mut self, name: String, b: Binding) {
        self.by_name.entry(name.clone()).or_default().push(self.entries.len());
        self.entries.push((name, b));
    }

    pub fn truncate(&mut self, len: usize) {
        while self.entries.len() > len {
            if let Some((name, _)) = self.entries.pop()
                && let Some(stack) = self.by_name.get_mut(&name)
            {
                stack.pop();
            }
        }
    }

    /// The bindings in scope, without their names (which a construct does not change): cheaper
    /// to take and to put back than a clone of the whole environment.
    pub fn snapshot(&self) -> Vec<Binding> {
        self.entries.iter().map(|(_, b)| b.clone()).collect()
    }

    /// Puts back a snapshot taken with the same variables in scope.
    pub fn restore(&mut self, bindings: &[Binding]) {
        self.truncate(bindings.len());
        for (entry, b) in self.entries.iter_mut().zip(bindings) {
            entry.1 = b.clone();
        }
    }

    pub fn position(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).and_then(|s| s.last().copied())
    }
}

impl std::ops::Index<usize> for Env {
    type Output = (String, Binding);
    fn index(&self, i: usize) -> &Self::Output {
        &self.entries[i]
    }
}

impl std::ops::IndexMut<usize> for Env {
    fn index_mut(&mut self, i: usize) -> &mut Self::Output {
        &mut self.entries[i]
    }
}

pub(super) struct Checkpoint {
    vals: usize,
    arrays: usize,
    loops: usize,
    slots: usize,
    errors: usize,
    items: usize,
    returns: usize,
    stores: usize,
    vec_returns: usize,
}

pub struct Lower<'a> {
    pub sig: &'a Sig,
    pub vals: Vec<ValInfo>,
    pub arrays: Vec<ArraySlot>,
    pub loops: usize,
    pub slots: usize,
    pub env: Env,
    pub errors: Errors,
    pub items: Vec<TokenStream>,
    pub loop_depth: usize,
    /// Per loop being lowered, innermost last: the pseudo-variable a `break value` sets (only a
    /// `loop` has one).
    pub loop_values: Vec<Option<String>>,
    /// The value variable of the `loop` about to be lowered.
    pub next_loop_value: Option<String>,
    /// What is known of the type of the values each `loop`'s `break value`s give (by the loop's
    /// value variable), joined over its `break`s.
    pub loop_value_kinds: HashMap<String, Kind>,
    /// Nesting of `if` and `match` arms being lowered.
    pub branch_depth: usize,
    /// `return`s lowered so far, to know whether a loop body can return.
    pub returns: usize,
    /// Local array slots written so far, in order, to know which arrays a loop body writes.
    pub stores: Vec<usize>,
    /// Array slots found active in an earlier pass over the function.
    pub forced_active: Vec<bool>,
    /// Kinds of the `const` items declared in the body.
    pub item_kinds: HashMap<String, Kind>,
    /// The variable of the `let` being lowered, when it is read later as a vector.
    pub vector_hint: Option<String>,
    /// For a `Vec` result, the buffers `return`ed so far (with where), in order.
    pub vec_returns: Vec<(usize, Span)>,
}

impl<'a> Lower<'a> {
    pub fn new(sig: &'a Sig, forced_active: Vec<bool>) -> Self {
        Lower {
            sig,
            vals: Vec::new(),
            arrays: Vec::new(),
            loops: 0,
            slots: 0,
            env: Env::default(),
            errors: Errors::default(),
            items: Vec::new(),
            loop_depth: 0,
            loop_values: Vec::new(),
            next_loop_value: None,
            loop_value_kinds: HashMap::new(),
            branch_depth: 0,
            returns: 0,
            stores: Vec::new(),
            forced_active,
            item_kinds: HashMap::new(),
            vector_hint: None,
            vec_returns: Vec::new(),
        }
    }

    pub fn new_val(&mut self, active: bool, span: Span) -> ValId {
        let kind = if active { Kind::Float } else { Kind::Unknown };
        self.vals.push(ValInfo { name: None, active, kind, span, user: None, cond: false, convert: false });
        self.vals.len() - 1
    }

    pub fn new_val_kind(&mut self, active: bool, kind: Kind, span: Span) -> ValId {
        let v = self.new_val(active, span);
        self.vals[v].kind = kind;
        v
    }

    pub fn kind(&self, op: &Operand) -> Kind {
        match op {
            Operand::Val(v) => self.vals[*v].kind,
            Operand::Lit(t) => lit_kind(t),
        }
    }

    pub fn is_active(&self, op: &Operand) -> bool {
        op.val().is_some_and(|v| self.vals[v].active)
    }

    pub fn lookup(&self, name: &str) -> Option<&Binding> {
        self.env.position(name).map(|i| &self.env[i].1)
    }

    pub fn bind(&mut self, name: impl Into<String>, b: Binding) {
        self.env.push(name.into(), b);
        self.name_for_doc(self.env.len() - 1);
    }

    /// Points the innermost variable `name` at a new binding (an assignment).
    pub fn rebind(&mut self, name: &str, b: Binding) -> bool {
        match self.env.position(name) {
            Some(i) => {
                self.env[i].1 = b;
                self.name_for_doc(i);
                true
            }
            None => false,
        }
    }

    pub fn scalar(&self, name: &str) -> Operand {
        match self.lookup(name) {
            Some(Binding::Scalar { op, .. }) => op.clone(),
            _ => exit_lit(EXIT_NONE),
        }
    }

    pub fn set_scalar(&mut self, name: &str, op: Operand) {
        self.rebind(name, Binding::Scalar { op, refs: 0 });
    }

    pub(super) fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            vals: self.vals.len(),
            arrays: self.arrays.len(),
            loops: self.loops,
            slots: self.slots,
            errors: self.errors.len(),
            items: self.items.len(),
            returns: self.returns,
            stores: self.stores.len(),
            vec_returns: self.vec_returns.len(),
        }
    }

    pub(super) fn rollback(&mut self, cp: &Checkpoint) {
        self.vals.truncate(cp.vals);
        self.arrays.truncate(cp.arrays);
        self.loops = cp.loops;
        self.slots = cp.slots;
        self.errors.truncate(cp.errors);
        self.items.truncate(cp.items);
        self.returns = cp.returns;
        self.stores.truncate(cp.stores);
        self.vec_returns.truncate(cp.vec_returns);
    }

    pub fn error(&mut self, span: impl Spanned, msg: impl std::fmt::Display) {
        self.errors.push(syn::Error::new(span.span(), msg.to_string()));
    }

    pub fn error_tokens(&mut self, node: impl ToTokens, msg: impl std::fmt::Display) {
        self.errors.push(syn::Error::new_spanned(node, msg.to_string()));
    }

    /// Lowers the whole body of the function.
    pub fn lower_fn(mut self, block: &syn::Block) -> (Body, Errors) {
        let mut params = Vec::new();
        for p in &self.sig.params {
            let Some(ident) = &p.ident else {
                params.push(None);
                continue;
            };
            let scalar = matches!(p.shape, Shape::Scalar);
            let kind = match p.shape {
                Shape::Scalar => Kind::Float,
                Shape::Array { .. } | Shape::Slice | Shape::Tuple { .. } => Kind::FloatArray,
                Shape::Rows { .. }
                | Shape::Ragged
                | Shape::Struct { .. }
                | Shape::StructSlice { .. }
                | Shape::Other => Kind::Other,
            };
            let v = self.new_val_kind(p.active && scalar, kind, ident.span());
            self.vals[v].name = Some(ident.clone());
            params.push(Some(v));
            let binding = if p.active && !scalar {
                Binding::Array {
                    array: ArrayRef::Param(params.len() - 1),
                    active: true,
                    handle: ident.to_token_stream(),
                    handle_use: Some(v),
                }
            } else {
                Binding::Scalar { op: Operand::Val(v), refs: 0 }
            };
            self.bind(ident.to_string(), binding);
        }
        self.bind(EXIT, Binding::Scalar { op: exit_lit(EXIT_NONE), refs: 0 });
        self.bind(RET, Binding::Scalar { op: default_lit(), refs: 0 });
        let n = self.vector_out().map_or(0, |(n, _)| n);
        for i in 0..n {
            self.bind(super::lower_vector::ret_name(i), Binding::Scalar { op: default_lit(), refs: 0 });
        }
        if self.sig.output == super::sig::Output::Vec {
            self.bind(super::lower_vec_out::RETV, Binding::Scalar { op: Operand::Lit(quote!(0usize)), refs: 0 });
        }

        let mut out = Block::default();
        // The trailing expression goes to `$ret` inside: nothing comes back but `()`.
        let _ = self.lower_stmts_inner(&block.stmts, true, &mut out);
        let result = self.scalar(RET);
        let results = (0..n).map(|i| self.scalar(&super::lower_vector::ret_name(i))).collect();
        let vec_result = self.vec_result(block, &out);
        let body = Body {
            vals: self.vals,
            block: out,
            result,
            results,
            arrays: self.arrays,
            params,
            items: self.items,
            vec_result,
        };
        (body, self.errors)
    }
}

/// An expression of unsuffixed float literals only (`1.0`, `-0.25`, `2.0 * 0.5`): its type comes
/// from later uses, which a recomputed copy of the code may leave out (E0689 on `h[1].exp()` once
/// the loop that fixed `h`'s type is not replayed), so its declaration names the float type.
pub fn untyped_float(e: &Expr) -> bool {
    match strip(e) {
        Expr::Lit(syn::ExprLit { lit: syn::Lit::Float(f), .. }) => f.suffix().is_empty(),
        Expr::Unary(u) => matches!(u.op, UnOp::Neg(_)) && untyped_float(&u.expr),
        Expr::Binary(b) => {
            matches!(b.op, BinOp::Add(_) | BinOp::Sub(_) | BinOp::Mul(_) | BinOp::Div(_))
                && untyped_float(&b.left)
                && untyped_float(&b.right)
        }
        _ => false,
    }
}

/// The kind of a literal or constant path written inline.
pub fn lit_kind(t: &TokenStream) -> Kind {
    let s = t.to_string();
    if let Ok(l) = syn::parse2::<syn::Lit>(t.clone()) {
        return match l {
            syn::Lit::Float(_) => Kind::Float,
            syn::Lit::Int(i) if i.suffix() == "f64" || i.suffix() == "f32" => Kind::Float,
            _ => Kind::Other,
        };
    }
    if s.contains("consts ::") || s.starts_with("f64 ::") || s.starts_with("f32 ::") {
        return Kind::Float;
    }
    Kind::Unknown
}

pub fn is_unit(op: &Operand) -> bool {
    matches!(op, Operand::Lit(t) if t.to_string() == "()")
}

pub fn is_lit(op: &Operand, code: u8) -> bool {
    match (op, exit_lit(code)) {
        (Operand::Lit(t), Operand::Lit(c)) => t.to_string() == c.to_string(),
        _ => false,
    }
}

/// Strips parentheses and invisible groups.
pub fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        other => other,
    }
}

/// `name` when `path` is `f64::name` or `f32::name` (a float method in path form).
pub fn float_fn(path: &syn::Path) -> Option<String> {
    match path.segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>().as_slice() {
        [f, n] if f == "f64" || f == "f32" || super::generic_mode::is_param(f) => Some(n.clone()),
        _ => None,
    }
}
