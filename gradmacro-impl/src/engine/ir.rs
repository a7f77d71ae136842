//! The intermediate representation: structured control flow over single-gate SSA statements.
//!
//! Every value the body computes gets its own [`ValId`]; nested expressions are flattened left to
//! right in Rust's evaluation order, which is what keeps `f_grad`'s value bit-identical to `f`'s.
//! User variables only exist during lowering (as names bound to operands); at `if` joins and
//! loop boundaries they become phis and carried slots.

use proc_macro2::{Span, TokenStream};

use super::gates::Gate;

pub type ValId = usize;
pub type LoopId = usize;
pub type SlotId = usize;

/// What the lowering knows about one SSA value.
#[derive(Clone, Debug)]
pub struct ValInfo {
    /// The name it is emitted under when it is not an internal temporary (parameters).
    pub name: Option<proc_macro2::Ident>,
    /// Depends on an active parameter through a differentiable gate.
    pub active: bool,
    pub kind: Kind,
    pub span: Span,
    /// The user's variable it was first bound to (`q` in `let q = a * x;`), for the backward
    /// pass shown in the doc only: the code keeps its hidden names.
    pub user: Option<String>,
    /// The condition of an `if` (a `bool`): it has a default.
    pub cond: bool,
    /// A struct field's read that the user converts to the function's float type (`p.n as f64`,
    /// `f64::from(p.w)`): read through `Field::value`, which converts as `as` does. Any other
    /// read of a field is the field itself, whatever its type.
    pub convert: bool,
}

/// What the lowering knows of a value's type: enough to line up the arguments of a call with
/// the gradients its `_grad` companion returns (one per float-valued parameter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Float,
    FloatArray,
    Other,
    Unknown,
}

impl Kind {
    pub fn join(self, other: Kind) -> Kind {
        match (self, other) {
            (a, b) if a == b => a,
            (Kind::Float, _) | (_, Kind::Float) => Kind::Float,
            _ => Kind::Unknown,
        }
    }
}

/// An argument of a call that is differentiated through its `_grad` companion.
#[derive(Clone, Debug)]
pub enum CallArg {
    /// A float value (active or not).
    Scalar(Operand),
    /// An array, slice or `Vec` of floats, written as the user wrote it (`xs`, `&xs`);
    /// `active` names the array whose adjoint receives its gradient.
    Array { tokens: TokenStream, uses: Vec<ValId>, active: Option<ArrayRef> },
    /// Anything else (integers, constant structs, ...): no gradient comes back for it.
    Other { tokens: TokenStream, uses: Vec<ValId> },
    /// A differentiated struct passed whole: the struct parameter `param` (`p`), or element
    /// `index` of the slice of structs `param` (`&ps[i]`, a `p` bound by `for p in ps`). Its
    /// gradient, a struct, is added to the parameter's, scaled by the call's adjoint.
    Struct { tokens: TokenStream, uses: Vec<ValId>, param: usize, index: Option<Operand> },
}

/// One gradient returned by a `_grad` call: the argument it belongs to and where it is kept
/// (`None` when nothing needs it).
#[derive(Clone, Debug)]
pub struct Partial {
    pub arg: usize,
    pub val: Option<ValId>,
}

/// An input of a statement: an SSA value, or a pure constant written inline (a literal or a
/// path to a `const`), which has no adjoint.
#[derive(Clone, Debug)]
pub enum Operand {
    Val(ValId),
    Lit(TokenStream),
}

impl Operand {
    pub fn val(&self) -> Option<ValId> {
        match self {
            Operand::Val(v) => Some(*v),
            Operand::Lit(_) => None,
        }
    }

    pub fn same(&self, other: &Operand) -> bool {
        match (self, other) {
            (Operand::Val(a), Operand::Val(b)) => a == b,
            (Operand::Lit(a), Operand::Lit(b)) => a.to_string() == b.to_string(),
            _ => false,
        }
    }
}

/// An array whose elements may be active, read by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrayRef {
    /// An active array/slice/Vec parameter, by parameter index.
    Param(usize),
    /// A local float array (`let mut h = [0.0; 3];`), a mutable slot.
    Local(SlotId),
}

#[derive(Clone, Debug)]
pub enum Stmt {
    /// `let out = gate(args);`
    Gate {
        out: ValId,
        gate: Gate,
        args: Vec<Operand>,
        span: Span,
    },
    /// `let out(: ty)? = tokens;`: an inactive computation, emitted as written with user
    /// variables renamed to the values they hold. `out` is `None` for a statement evaluated only
    /// for its effects.
    Plain {
        out: Option<ValId>,
        ty: Option<TokenStream>,
        tokens: TokenStream,
        uses: Vec<ValId>,
    },
    /// `let (out, partials..) = func(args);`: a call differentiated through its `_grad`
    /// companion (`func` is already the companion's path or method name).
    Call {
        out: ValId,
        func: TokenStream,
        receiver: Option<(TokenStream, Vec<ValId>)>,
        args: Vec<CallArg>,
        partials: Vec<Partial>,
        span: Span,
        /// `args[0]` is the receiver of the method `func` (a differentiated struct).
        self_arg: bool,
    },
    /// `let slot = func(args);` with a vector-valued callee (`[F; N]`, a tuple of floats): the
    /// result is a local array slot, read by index; the backward pass calls the `_vjp`
    /// companion (`vjp`, a path or method name) with the slot's adjoint as the seed, and gets one
    /// gradient per float-valued argument (`partials`, whose `val` is unused).
    VCall {
        slot: SlotId,
        plain: TokenStream,
        vjp: TokenStream,
        receiver: Option<(TokenStream, Vec<ValId>)>,
        args: Vec<CallArg>,
        partials: Vec<Partial>,
        ty: Option<TokenStream>,
        span: Span,
    },
    /// `let out = array[index] path..;` on an active array: `path` goes further into the
    /// element (`[j]` into a row of a nested array, `[k]` into an array field of a struct). For a
    /// struct parameter, `index` is the field's name (`p.x`), as it is a tuple's position.
    Index {
        out: ValId,
        array: ArrayRef,
        index: Operand,
        path: Vec<Operand>,
    },
    /// `array[index] = value;` on a local array; `old` keeps the element it replaces. With
    /// `push`, `buffer.push(value)` at `index`, the buffer's length before it (nothing replaced).
    Store {
        slot: SlotId,
        index: Operand,
        value: Operand,
        old: ValId,
        push: bool,
    },
    /// `let mut array = [a, b, c];` or `[v; N]`: a local array slot.
    ArrayDecl {
        slot: SlotId,
        init: ArrayInit,
        ty: Option<TokenStream>,
    },
    If(If),
    Loop(Loop),
}

#[derive(Clone, Debug)]
pub enum ArrayInit {
    List(Vec<Operand>),
    /// `[v; n]`, `vec![v; n]`; the values `n` reads (a run-time length), for recomputations.
    Repeat(Operand, TokenStream, Vec<ValId>),
    /// A whole constant array: `let r: [f64; 2] = g(c);` with constant arguments.
    Whole(Operand),
}

#[derive(Clone, Debug)]
pub struct Phi {
    pub out: ValId,
    pub then_val: Operand,
    pub else_val: Operand,
}

#[derive(Clone, Debug)]
pub struct If {
    pub cond: Operand,
    pub then_block: Block,
    pub else_block: Block,
    pub phis: Vec<Phi>,
}

/// A variable assigned in a loop body and live across iterations.
#[derive(Clone, Debug)]
pub struct Carried {
    /// The mutable slot that holds it between iterations.
    pub slot: SlotId,
    /// Its value before the loop.
    pub init: Operand,
    /// Its value at the start of an iteration (read from the slot).
    pub entry: ValId,
    /// Its value at the end of an iteration (written back to the slot).
    pub exit: Operand,
    /// Its value after the loop.
    pub after: ValId,
}

#[derive(Clone, Debug)]
pub enum LoopKind {
    /// `for pat in iterable` over a constant iterator; `pat` binds inactive values.
    ForIter { pat: TokenStream, iterable: TokenStream, iterable_uses: Vec<ValId>, bound: Vec<ValId> },
    /// `for k in 0..len`: the rewriting of a loop over the elements of active arrays.
    ForIndex { index: ValId, len: TokenStream, len_uses: Vec<ValId> },
    /// `while cond`: `cond_block` computes `cond` from the iteration's entry values.
    While { cond_block: Block, cond: Operand },
}

#[derive(Clone, Debug)]
pub struct Loop {
    pub id: LoopId,
    pub kind: LoopKind,
    pub carried: Vec<Carried>,
    /// Local arrays the body writes (they are carried in place).
    pub written_arrays: Vec<SlotId>,
    pub body: Block,
    /// The exit code at the end of an iteration (`break`, `continue`, `return` inside the body).
    pub exit_code: Option<Operand>,
    /// The exit code after the loop, when the body can `return`.
    pub exit_after: Option<ValId>,
}

#[derive(Clone, Debug, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
}

/// A local float array slot.
#[derive(Clone, Debug)]
pub struct ArraySlot {
    pub active: bool,
    /// Written after its declaration, so it is declared `mut`.
    pub written: bool,
    /// Tokens for an array of zeros of the same shape, for its adjoint.
    pub zeros: TokenStream,
    /// Read somewhere inside a loop, so the backward pass may recompute reads of it.
    pub read_in_loop: bool,
    /// A `Vec` (`vec![..]`), whose length the forward pass decides; its adjoint takes that length.
    pub heap: bool,
    /// A `Vec` that grows by `push` from empty (`Vec::with_capacity(n)`, `Vec::new()`): the
    /// capacity it is made with.
    pub capacity: Option<TokenStream>,
    /// The user's name for it, for the doc only (as [`ValInfo::user`]).
    pub user: Option<String>,
    /// A tuple (the result of a tuple-valued call): its elements are read as fields (`a.0`).
    pub tuple: bool,
    /// Its adjoint is declared beside it, shaped like it (`zeros` names it): the result of a
    /// vector-valued call whose length the macro does not know.
    pub beside: bool,
}

/// A whole lowered function body.
pub struct Body {
    pub vals: Vec<ValInfo>,
    pub block: Block,
    pub result: Operand,
    /// The components of a vector result (`[F; N]`, a tuple); empty for a float result.
    pub results: Vec<Operand>,
    pub arrays: Vec<ArraySlot>,
    /// Value bound to each parameter at entry (`None` for the receiver and unsupported ones).
    pub params: Vec<Option<ValId>>,
    /// Items declared inside the body (`const`, `fn`, `use`), emitted before it.
    pub items: Vec<TokenStream>,
    /// A `Vec` result: the buffer the function returns.
    pub vec_result: Option<VecResult>,
}

/// The buffer a function returning `Vec<F>` returns: one local heap array slot, or one of
/// several (different `return`s returning different buffers), chosen by `which`, which holds
/// the slot's number plus one.
#[derive(Clone, Debug)]
pub struct VecResult {
    pub which: Option<ValId>,
    pub slots: Vec<SlotId>,
}

impl Stmt {
    /// Values this statement (including nested blocks) reads.
    pub fn for_each_use(&self, f: &mut dyn FnMut(ValId)) {
        let op = |o: &Operand, f: &mut dyn FnMut(ValId)| {
            if let Operand::Val(v) = o {
                f(*v);
            }
        };
        match self {
            Stmt::Gate { args, .. } => args.iter().for_each(|a| op(a, f)),
            Stmt::Plain { uses, .. } => uses.iter().for_each(|u| f(*u)),
            Stmt::Call { receiver, args, .. } | Stmt::VCall { receiver, args, .. } => {
                if let Some((_, uses)) = receiver {
                    uses.iter().for_each(|u| f(*u));
                }
                for a in args {
                    match a {
                        CallArg::Scalar(o) => op(o, f),
                        CallArg::Array { uses, .. } | CallArg::Other { uses, .. } => uses.iter().for_each(|u| f(*u)),
                        CallArg::Struct { uses, index, .. } => {
                            uses.iter().for_each(|u| f(*u));
                            if let Some(i) = index {
                                op(i, f);
                            }
                        }
                    }
                }
            }
            Stmt::Index { index, path, .. } => {
                op(index, f);
                path.iter().for_each(|p| op(p, f));
            }
            Stmt::Store { index, value, .. } => {
                op(index, f);
                op(value, f);
            }
            Stmt::ArrayDecl { init, .. } => match init {
                ArrayInit::List(items) => items.iter().for_each(|a| op(a, f)),
                ArrayInit::Repeat(a, _, uses) => {
                    op(a, f);
                    uses.iter().for_each(|u| f(*u));
                }
                ArrayInit::Whole(a) => op(a, f),
            },
            Stmt::If(i) => {
                op(&i.cond, f);
                i.then_block.for_each_use(f);
                i.else_block.for_each_use(f);
                for p in &i.phis {
                    op(&p.then_val, f);
                    op(&p.else_val, f);
                }
            }
            Stmt::Loop(l) => {
                match &l.kind {
                    LoopKind::ForIter { iterable_uses, .. } => iterable_uses.iter().for_each(|u| f(*u)),
                    LoopKind::ForIndex { len_uses, .. } => len_uses.iter().for_each(|u| f(*u)),
                    LoopKind::While { cond_block, cond } => {
                        cond_block.for_each_use(f);
                        op(cond, f);
                    }
                }
                for c in &l.carried {
                    op(&c.init, f);
                    op(&c.exit, f);
                }
                if let Some(e) = &l.exit_code {
                    op(e, f);
                }
                l.body.for_each_use(f);
            }
        }
    }

    /// Values this statement (including nested blocks) defines.
    pub fn for_each_def(&self, f: &mut dyn FnMut(ValId)) {
        match self {
            Stmt::Gate { out, .. } | Stmt::Index { out, .. } => f(*out),
            Stmt::Plain { out, .. } => {
                if let Some(o) = out {
                    f(*o);
                }
            }
            Stmt::Store { old, push: false, .. } => f(*old),
            Stmt::Store { push: true, .. } => {}
            Stmt::ArrayDecl { .. } | Stmt::VCall { .. } => {}
            Stmt::Call { out, partials, .. } => {
                f(*out);
                partials.iter().filter_map(|p| p.val).for_each(&mut *f);
            }
            Stmt::If(i) => {
                i.then_block.for_each_def(f);
                i.else_block.for_each_def(f);
                i.phis.iter().for_each(|p| f(p.out));
            }
            Stmt::Loop(l) => {
                match &l.kind {
                    LoopKind::ForIter { bound, .. } => bound.iter().for_each(|b| f(*b)),
                    LoopKind::ForIndex { index, .. } => f(*index),
                    LoopKind::While { cond_block, .. } => cond_block.for_each_def(f),
                }
                for c in &l.carried {
                    f(c.entry);
                    f(c.after);
                }
                if let Some(x) = l.exit_after {
                    f(x);
                }
                l.body.for_each_def(f);
            }
        }
    }
}

impl Block {
    pub fn for_each_use(&self, f: &mut dyn FnMut(ValId)) {
        self.stmts.iter().for_each(|s| s.for_each_use(f));
    }

    pub fn for_each_def(&self, f: &mut dyn FnMut(ValId)) {
        self.stmts.iter().for_each(|s| s.for_each_def(f));
    }
}
