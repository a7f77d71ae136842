//! The gate table: the only place where a local derivative is written down.
//!
//! Each gate has a forward form and, per input `a`, one rule: the local partial `dx/da` times a
//! seed. Reverse mode (`f_grad`) seeds it with the adjoint `dx` of the output and adds the result
//! to `da`; forward mode (`f_jvp`) seeds it with the input's tangent `ta` and sums over the
//! inputs into the output's tangent `tx` ([`tangent`]). Every rule is linear in its seed, so one
//! partial, written once, serves both modes. The comment on each rule shows the statement it
//! differentiates, what the backward pass emits for it (`da += ...` is the first `let` or a later
//! `+=`, chosen by the reverse pass), and, under `forward:`, the tangent statement.

use std::cell::RefCell;

use proc_macro2::TokenStream;
use quote::quote;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    Add,
    Sub,
    Mul,
    Div,
    /// `a % b` (Rust's `%`: the remainder of the truncated quotient).
    Rem,
    Neg,
    /// `x as F` with `x` already of type `F`.
    Id,
    Method(M),
    /// `a.sin()` of an active `a`, with `a.cos()` computed beside it as its second input (the
    /// lowering emits the two gates next to each other, where the compiler makes them one
    /// `sincos` call): the backward pass reads that cosine instead of calling `cos` again (in a
    /// taped loop, it is taped instead of `a`).
    SinPaired,
    /// `a.cos()` of an active `a`, with `a.sin()` beside it, likewise.
    CosPaired,
}

/// Float methods of the standard library that are gates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum M {
    Abs,
    Acos,
    Acosh,
    Asin,
    Asinh,
    Atan,
    Atan2,
    Atanh,
    Cbrt,
    Ceil,
    Clamp,
    Cos,
    Cosh,
    DivEuclid,
    Exp,
    Exp2,
    ExpM1,
    Floor,
    Fract,
    Hypot,
    Ln,
    Ln1p,
    Log,
    Log10,
    Log2,
    Max,
    Min,
    MulAdd,
    Powf,
    Powi,
    Recip,
    RemEuclid,
    Round,
    RoundTiesEven,
    Signum,
    Sin,
    Sinh,
    Sqrt,
    Tan,
    Tanh,
    ToDegrees,
    ToRadians,
    Trunc,
}

/// Method name, gate, number of arguments including the receiver.
const METHODS: &[(&str, M, usize)] = &[
    ("abs", M::Abs, 1),
    ("acos", M::Acos, 1),
    ("acosh", M::Acosh, 1),
    ("asin", M::Asin, 1),
    ("asinh", M::Asinh, 1),
    ("atan", M::Atan, 1),
    ("atan2", M::Atan2, 2),
    ("atanh", M::Atanh, 1),
    ("cbrt", M::Cbrt, 1),
    ("ceil", M::Ceil, 1),
    ("clamp", M::Clamp, 3),
    ("cos", M::Cos, 1),
    ("cosh", M::Cosh, 1),
    ("div_euclid", M::DivEuclid, 2),
    ("exp", M::Exp, 1),
    ("exp2", M::Exp2, 1),
    ("exp_m1", M::ExpM1, 1),
    ("floor", M::Floor, 1),
    ("fract", M::Fract, 1),
    ("hypot", M::Hypot, 2),
    ("ln", M::Ln, 1),
    ("ln_1p", M::Ln1p, 1),
    ("log", M::Log, 2),
    ("log10", M::Log10, 1),
    ("log2", M::Log2, 1),
    ("max", M::Max, 2),
    ("min", M::Min, 2),
    ("mul_add", M::MulAdd, 3),
    ("powf", M::Powf, 2),
    ("powi", M::Powi, 2),
    ("recip", M::Recip, 1),
    ("rem_euclid", M::RemEuclid, 2),
    ("round", M::Round, 1),
    ("round_ties_even", M::RoundTiesEven, 1),
    ("signum", M::Signum, 1),
    ("sin", M::Sin, 1),
    ("sinh", M::Sinh, 1),
    ("sqrt", M::Sqrt, 1),
    ("tan", M::Tan, 1),
    ("tanh", M::Tanh, 1),
    ("to_degrees", M::ToDegrees, 1),
    ("to_radians", M::ToRadians, 1),
    ("trunc", M::Trunc, 1),
];

/// The gate for a float method name, with its arity (receiver included).
pub fn method(name: &str) -> Option<(M, usize)> {
    METHODS.iter().find(|(n, _, _)| *n == name).map(|(_, m, k)| (*m, *k))
}

/// Names of all method gates, for error messages.
pub fn method_names() -> impl Iterator<Item = &'static str> {
    METHODS.iter().map(|(n, _, _)| *n)
}

fn name(m: M) -> &'static str {
    METHODS.iter().find(|(_, g, _)| *g == m).map_or("", |(n, _, _)| *n)
}

impl Gate {
    /// Piecewise-constant gates: their output carries no gradient, so it is not active.
    pub fn is_flat(self) -> bool {
        matches!(
            self,
            Gate::Method(M::Floor | M::Ceil | M::Round | M::RoundTiesEven | M::Trunc | M::Signum | M::DivEuclid)
        )
    }

    /// Inputs that never receive a gradient whatever their activity (`powi`'s `i32` exponent).
    /// Its rule selects an input (`max`, `min`, `clamp`): the other inputs' slope is exactly 0 on
    /// whole regions of inputs (a hinge loss's inactive points, a ReLU's negative side), so the
    /// backward pass skips the work downstream of an adjoint that is exactly 0.
    pub fn selects(self) -> bool {
        matches!(self, Gate::Method(M::Max | M::Min | M::Clamp))
    }

    /// `+ - * /`: their rules are sums, products and quotients, which the dual type also takes
    /// with a float on either side, so in the dual program a constant operand stays a float and
    /// contributes no tangent term (`__dual!`), instead of a dual whose zero tangent IEEE
    /// arithmetic cannot fold away.
    pub fn mixes_floats(self) -> bool {
        matches!(self, Gate::Add | Gate::Sub | Gate::Mul | Gate::Div)
    }

    /// Inputs that never receive a gradient: `powi`'s `i32` exponent, and the companion value of
    /// a paired `sin`/`cos` (it only carries the partial; the gradient flows through `a`).
    pub fn is_integer_input(self, i: usize) -> bool {
        (self == Gate::Method(M::Powi) || self == Gate::SinPaired || self == Gate::CosPaired) && i == 1
    }

    /// The forward statement's right-hand side; `float` is the absolute path of the float type.
    pub fn forward(self, args: &[TokenStream], float: &TokenStream) -> TokenStream {
        let a = args.first().cloned().unwrap_or_default();
        let b = args.get(1).cloned().unwrap_or_default();
        match self {
            Gate::Add => quote!(#a + #b),
            Gate::Sub => quote!(#a - #b),
            Gate::Mul => quote!(#a * #b),
            Gate::Div => quote!(#a / #b),
            Gate::Rem => quote!(#a % #b),
            Gate::Neg => quote!(-#a),
            Gate::Id => quote!(#a),
            Gate::Method(m) => {
                let f = proc_macro2::Ident::new(name(m), proc_macro2::Span::mixed_site());
                quote!(#float::#f(#(#args),*))
            }
            Gate::SinPaired => quote!(#float::sin(#a)),
            Gate::CosPaired => quote!(#float::cos(#a)),
        }
    }
}

/// What an adjoint rule reads of the forward pass: the gate's inputs and output by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    Arg(usize),
    Out,
}

/// The names an adjoint rule is written with, recording which forward values it reads.
pub struct RuleCtx<'a> {
    pub args: &'a [TokenStream],
    pub out: &'a TokenStream,
    /// The output's adjoint.
    pub d: &'a TokenStream,
    /// Absolute path of the float type, e.g. `::core::primitive::f64`.
    pub float: &'a TokenStream,
    /// Absolute path of its `consts` module, e.g. `::core::f64::consts`.
    pub consts: &'a TokenStream,
    used: RefCell<Vec<Use>>,
}

impl<'a> RuleCtx<'a> {
    pub fn new(
        args: &'a [TokenStream],
        out: &'a TokenStream,
        d: &'a TokenStream,
        float: &'a TokenStream,
        consts: &'a TokenStream,
    ) -> Self {
        RuleCtx { args, out, d, float, consts, used: RefCell::new(Vec::new()) }
    }

    fn a(&self, i: usize) -> TokenStream {
        self.used.borrow_mut().push(Use::Arg(i));
        self.args.get(i).cloned().unwrap_or_default()
    }

    fn x(&self) -> TokenStream {
        self.used.borrow_mut().push(Use::Out);
        self.out.clone()
    }

    /// The forward values the rules evaluated so far have read.
    pub fn used(&self) -> Vec<Use> {
        self.used.borrow().clone()
    }
}

/// Weight of input `i` of a `max`/`min`: 1 if it is the returned input, 1/2 on a tie. `wins` is
/// the comparison under which input 0 is returned (`>` for max). Rust's `max` returns the other
/// input when one is NaN, and the gradient follows the returned input. The two ordered outcomes
/// come first, so the common path costs what a hand-written pass's `if a > b` costs (one
/// comparison, whose flags also decide the second test; the other input's rule repeats the same
/// comparisons, which the compiler merges); NaN and ties are tested only when neither wins.
fn select(c: &RuleCtx<'_>, i: usize, wins: &TokenStream) -> TokenStream {
    let (a, b, d, f) = (c.a(0), c.a(1), c.d, c.float);
    let (me, other) = if i == 0 { (&a, &b) } else { (&b, &a) };
    let (tie, zero) = (super::dual_mode::tie(), super::dual_mode::lift(quote!(0.0)));
    // `x.max(0.0)`: a literal is never NaN.
    let nan = if other.to_string().parse::<f64>().is_ok_and(f64::is_finite) {
        TokenStream::new()
    } else {
        quote!(else if #f::is_nan(#other) && !#f::is_nan(#me) { #d })
    };
    quote! {
        if #me #wins #other {
            #d
        } else if #other #wins #me {
            #zero
        } #nan else if #tie(#me, #other) {
            #d * 0.5
        } else {
            #zero
        }
    }
}

/// `[p vs q]`: 1 if `p` is the input a `max`/`min` selects over `q` (`p wins q`), 1/2 on a tie.
fn weight(p: &TokenStream, q: &TokenStream, wins: &TokenStream) -> TokenStream {
    let tie = super::dual_mode::tie();
    quote!((if #p #wins #q { 1.0 } else if #tie(#p, #q) { 0.5 } else { 0.0 }))
}

/// The tangent of gate `g`'s output in forward mode: `tx = sum over inputs i of dx/da_i * ta_i`,
/// given each input's tangent `ta_i` (`None` for a constant input). Each term is input `i`'s
/// [`adjoint`] rule with the seed `c.d` set to `ta_i` (the rules are `seed * dx/da_i`), so the
/// tangent uses exactly the partials the backward pass uses. `None` when no term remains (no
/// input has a tangent, or the gate is flat).
pub fn tangent(
    g: Gate,
    tangents: &[Option<TokenStream>],
    args: &[TokenStream],
    out: &TokenStream,
    float: &TokenStream,
    consts: &TokenStream,
) -> Option<TokenStream> {
    let mut terms = Vec::new();
    for (i, t) in tangents.iter().enumerate() {
        let Some(t) = t else { continue };
        if g.is_integer_input(i) {
            continue;
        }
        let c = RuleCtx::new(args, out, t, float, consts);
        terms.extend(adjoint(g, i, &c));
    }
    // A rule that is an `if` (`max`, `abs`, ...) is an operand of the sum only in parentheses;
    // the others are products and quotients, which bind tighter than `+`.
    let wrap = |t: TokenStream| match t.clone().into_iter().next() {
        Some(proc_macro2::TokenTree::Ident(i)) if i == "if" => quote!((#t)),
        _ => t,
    };
    match terms.len() {
        0 => None,
        1 => terms.pop(),
        _ => {
            let terms = terms.into_iter().map(wrap);
            Some(quote!(#(#terms)+*))
        }
    }
}

/// The contribution of gate `g` to the adjoint of its input `i`, or `None` when the local
/// derivative is identically zero. With the seed `c.d` set to input `i`'s tangent instead of the
/// output's adjoint, the same expression is that input's term of the output's tangent.
#[allow(clippy::too_many_lines, reason = "one arm per gate is the point of the table")]
pub fn adjoint(g: Gate, i: usize, c: &RuleCtx<'_>) -> Option<TokenStream> {
    let d = c.d;
    let f = c.float;
    let k = c.consts;
    let rule = match (g, i) {
        // x = a + b  =>  da += dx; db += dx
        //   forward:  tx = ta + tb
        (Gate::Add, _) | (Gate::Id, 0) => quote!(#d),
        // x = a - b  =>  da += dx; db += -dx
        //   forward:  tx = ta + -tb
        (Gate::Sub, 0) => quote!(#d),
        (Gate::Sub, 1) | (Gate::Neg, 0) => quote!(-#d),
        // x = a * b  =>  da += b * dx; db += a * dx
        //   forward:  tx = b * ta + a * tb
        (Gate::Mul, 0) => {
            let b = c.a(1);
            quote!(#b * #d)
        }
        (Gate::Mul, 1) => {
            let a = c.a(0);
            quote!(#a * #d)
        }
        // x = a / b  =>  da += dx / b; db += -dx * (x / b)
        //   forward:  tx = ta / b + -tb * (x / b)
        // (`x / b` first: it reads values only, so in a loop whose tangent or adjoint is carried
        // (`y = (y + a / y) / 2`) the division stays off that chain, as a hand-written pass keeps it)
        (Gate::Div, 0) => {
            let b = c.a(1);
            quote!(#d / #b)
        }
        (Gate::Div, 1) => {
            let (x, b) = (c.x(), c.a(1));
            quote!(-#d * (#x / #b))
        }
        // x = a % b  =>  da += dx; db += -dx * (a / b).trunc()  (x = a - b * trunc(a / b), the
        //   quotient piecewise constant)
        //   forward:  tx = ta + -tb * (a / b).trunc()
        (Gate::Rem, 0) => quote!(#d),
        (Gate::Rem, 1) => {
            let (a, b) = (c.a(0), c.a(1));
            quote!(-#d * #f::trunc(#a / #b))
        }
        (Gate::Method(m), _) => return method_adjoint(m, i, c, d, f, k),
        // c = a.cos(); x = a.sin()  =>  da += dx * c
        //   forward:  tx = ta * c
        (Gate::SinPaired, 0) => {
            let cos = c.a(1);
            quote!(#d * #cos)
        }
        // s = a.sin(); x = a.cos()  =>  da += -dx * s
        //   forward:  tx = -ta * s
        (Gate::CosPaired, 0) => {
            let sin = c.a(1);
            quote!(-#d * #sin)
        }
        _ => return None,
    };
    Some(rule)
}

#[allow(clippy::too_many_lines, reason = "one arm per gate is the point of the table")]
fn method_adjoint(
    m: M,
    i: usize,
    c: &RuleCtx<'_>,
    d: &TokenStream,
    f: &TokenStream,
    k: &TokenStream,
) -> Option<TokenStream> {
    let rule = match (m, i) {
        // x = a.abs()  =>  da += dx * a.signum(), and 0 at a == 0 (signum(0.0) is 1.0)
        //   forward:  tx = ta * a.signum(), 0 at a == 0
        (M::Abs, 0) => {
            let a = c.a(0);
            let (tie, zero) = (super::dual_mode::tie(), super::dual_mode::lift(quote!(0.0)));
            quote!(if #tie(#a, #zero) { #zero } else { #d * #f::signum(#a) })
        }
        // x = a.acos()  =>  da += -dx / (1 - a*a).sqrt()
        //   forward:  tx = -ta / (1 - a*a).sqrt()
        (M::Acos, 0) => {
            let a = c.a(0);
            quote!(-#d / #f::sqrt(1.0 - #a * #a))
        }
        // x = a.acosh()  =>  da += dx / (a*a - 1).sqrt()
        //   forward:  tx = ta / (a*a - 1).sqrt()
        (M::Acosh, 0) => {
            let a = c.a(0);
            quote!(#d / #f::sqrt(#a * #a - 1.0))
        }
        // x = a.asin()  =>  da += dx / (1 - a*a).sqrt()
        //   forward:  tx = ta / (1 - a*a).sqrt()
        (M::Asin, 0) => {
            let a = c.a(0);
            quote!(#d / #f::sqrt(1.0 - #a * #a))
        }
        // x = a.asinh()  =>  da += dx / (a*a + 1).sqrt()
        //   forward:  tx = ta / (a*a + 1).sqrt()
        (M::Asinh, 0) => {
            let a = c.a(0);
            quote!(#d / #f::sqrt(#a * #a + 1.0))
        }
        // x = a.atan()  =>  da += dx / (1 + a*a)
        //   forward:  tx = ta / (1 + a*a)
        (M::Atan, 0) => {
            let a = c.a(0);
            quote!(#d / (1.0 + #a * #a))
        }
        // x = a.atan2(b)  =>  da += dx * b / (a*a + b*b); db += -dx * a / (a*a + b*b)
        //   forward:  tx = ta * b / (a*a + b*b) + -tb * a / (a*a + b*b)
        (M::Atan2, 0) => {
            let (a, b) = (c.a(0), c.a(1));
            quote!(#d * #b / (#a * #a + #b * #b))
        }
        (M::Atan2, 1) => {
            let (a, b) = (c.a(0), c.a(1));
            quote!(-#d * #a / (#a * #a + #b * #b))
        }
        // x = a.atanh()  =>  da += dx / (1 - a*a)
        //   forward:  tx = ta / (1 - a*a)
        (M::Atanh, 0) => {
            let a = c.a(0);
            quote!(#d / (1.0 - #a * #a))
        }
        // x = a.cbrt()  =>  da += dx / (3 * x * x)
        //   forward:  tx = ta / (3 * x * x)
        (M::Cbrt, 0) => {
            let x = c.x();
            quote!(#d / (3.0 * #x * #x))
        }
        // x = a.clamp(lo, hi)  =>  as x = a.max(lo).min(hi): with m = a.max(lo),
        //   da += dx * [m vs hi] * [a vs lo], dlo += dx * [m vs hi] * [lo vs a], dhi += dx * [hi vs m]
        //   where [p vs q] is 1 if p is the one selected, 1/2 on a tie, 0 otherwise; a NaN `a`
        //   (clamp returns NaN) passes NaN on
        //   forward:  tx = ta * [m vs hi] * [a vs lo] + tlo * [m vs hi] * [lo vs a] + thi * [hi vs m]
        (M::Clamp, 0) => {
            let (a, lo, hi) = (c.a(0), c.a(1), c.a(2));
            let (wm, wa) = (weight(&quote!(#f::max(#a, #lo)), &hi, &quote!(<)), weight(&a, &lo, &quote!(>)));
            quote!(if #f::is_nan(#a) { #d * #a } else { #d * #wm * #wa })
        }
        (M::Clamp, 1) => {
            let (a, lo, hi) = (c.a(0), c.a(1), c.a(2));
            let (wm, wl) = (weight(&quote!(#f::max(#a, #lo)), &hi, &quote!(<)), weight(&lo, &a, &quote!(>)));
            quote!(#d * #wm * #wl)
        }
        (M::Clamp, 2) => {
            let (a, lo, hi) = (c.a(0), c.a(1), c.a(2));
            let wh = weight(&hi, &quote!(#f::max(#a, #lo)), &quote!(<));
            quote!(#d * #wh)
        }
        // x = a.cos()  =>  da += -dx * a.sin()
        //   forward:  tx = -ta * a.sin()
        (M::Cos, 0) => {
            let a = c.a(0);
            quote!(-#d * #f::sin(#a))
        }
        // x = a.cosh()  =>  da += dx * a.sinh()
        //   forward:  tx = ta * a.sinh()
        (M::Cosh, 0) => {
            let a = c.a(0);
            quote!(#d * #f::sinh(#a))
        }
        // x = a.exp()  =>  da += dx * x
        //   forward:  tx = ta * x
        (M::Exp, 0) => {
            let x = c.x();
            quote!(#d * #x)
        }
        // x = a.exp2()  =>  da += dx * x * ln 2
        //   forward:  tx = ta * x * ln 2
        (M::Exp2, 0) => {
            let x = c.x();
            quote!(#d * #x * #k::LN_2)
        }
        // x = a.exp_m1()  =>  da += dx * (x + 1)
        //   forward:  tx = ta * (x + 1)
        (M::ExpM1, 0) => {
            let x = c.x();
            quote!(#d * (#x + 1.0))
        }
        // x = a.fract()  =>  da += dx  (slope 1 between the jumps)
        //   forward:  tx = ta
        (M::Fract, 0) => quote!(#d),
        // x = a.hypot(b)  =>  da += dx * a / x; db += dx * b / x
        //   forward:  tx = ta * a / x + tb * b / x
        (M::Hypot, 0) => {
            let (a, x) = (c.a(0), c.x());
            quote!(#d * #a / #x)
        }
        (M::Hypot, 1) => {
            let (b, x) = (c.a(1), c.x());
            quote!(#d * #b / #x)
        }
        // x = a.ln()  =>  da += dx / a
        //   forward:  tx = ta / a
        (M::Ln, 0) => {
            let a = c.a(0);
            quote!(#d / #a)
        }
        // x = a.ln_1p()  =>  da += dx / (1 + a)
        //   forward:  tx = ta / (1 + a)
        (M::Ln1p, 0) => {
            let a = c.a(0);
            quote!(#d / (1.0 + #a))
        }
        // x = a.log(b)  =>  da += dx / (a * b.ln()); db += -dx * x / (b * b.ln())
        //   forward:  tx = ta / (a * b.ln()) + -tb * x / (b * b.ln())
        (M::Log, 0) => {
            let (a, b) = (c.a(0), c.a(1));
            quote!(#d / (#a * #f::ln(#b)))
        }
        (M::Log, 1) => {
            let (b, x) = (c.a(1), c.x());
            quote!(-#d * #x / (#b * #f::ln(#b)))
        }
        // x = a.log10()  =>  da += dx / (a * ln 10)
        //   forward:  tx = ta / (a * ln 10)
        (M::Log10, 0) => {
            let a = c.a(0);
            quote!(#d / (#a * #k::LN_10))
        }
        // x = a.log2()  =>  da += dx / (a * ln 2)
        //   forward:  tx = ta / (a * ln 2)
        (M::Log2, 0) => {
            let a = c.a(0);
            quote!(#d / (#a * #k::LN_2))
        }
        // x = a.max(b)  =>  the returned input gets dx; a tie gives each dx / 2
        //   forward:  tx = the returned input's tangent; (ta + tb) / 2 on a tie
        (M::Max, _) => select(c, i, &quote!(>)),
        // x = a.min(b)  =>  the returned input gets dx; a tie gives each dx / 2
        //   forward:  tx = the returned input's tangent; (ta + tb) / 2 on a tie
        (M::Min, _) => select(c, i, &quote!(<)),
        // x = a.mul_add(b, e)  =>  da += dx * b; db += dx * a; de += dx
        //   forward:  tx = ta * b + tb * a + te
        (M::MulAdd, 0) => {
            let b = c.a(1);
            quote!(#d * #b)
        }
        (M::MulAdd, 1) => {
            let a = c.a(0);
            quote!(#d * #a)
        }
        (M::MulAdd, 2) => quote!(#d),
        // x = a.powf(b)  =>  da += dx * b * a.powf(b - 1) (0 when b == 0); db += dx * x * a.ln()
        //   forward:  tx = ta * b * a.powf(b - 1) + tb * x * a.ln()
        (M::Powf, 0) => {
            let (a, b) = (c.a(0), c.a(1));
            let (tie, zero) = (super::dual_mode::tie(), super::dual_mode::lift(quote!(0.0)));
            quote!(if #tie(#b, #zero) { #zero } else { #d * #b * #f::powf(#a, #b - 1.0) })
        }
        (M::Powf, 1) => {
            let (a, x) = (c.a(0), c.x());
            quote!(#d * #x * #f::ln(#a))
        }
        // x = a.powi(n)  =>  da += dx * n * a.powi(n - 1) (0 when n == 0: a constant)
        //   forward:  tx = ta * n * a.powi(n - 1)
        (M::Powi, 0) => {
            let (a, n) = (c.a(0), c.a(1));
            let (zero, p) = (super::dual_mode::lift(quote!(0.0)), super::dual_mode::primitive(f));
            // A generic `F` has no `as` cast from an integer.
            let n_f = if super::generic_mode::on() {
                quote!(::gradmacro::__private::int_lit::<#p>(#n))
            } else {
                quote!((#n as #p))
            };
            quote!(if #n == 0 { #zero } else { #d * #n_f * #f::powi(#a, #n - 1) })
        }
        // x = a.recip()  =>  da += -dx * x * x
        //   forward:  tx = -ta * x * x
        (M::Recip, 0) => {
            let x = c.x();
            quote!(-#d * #x * #x)
        }
        // x = a.rem_euclid(b)  =>  da += dx; db += -dx * a.div_euclid(b)  (x = a - b * q with
        //   the quotient q = a.div_euclid(b) piecewise constant)
        //   forward:  tx = ta + -tb * a.div_euclid(b)
        (M::RemEuclid, 0) => quote!(#d),
        (M::RemEuclid, 1) => {
            let (a, b) = (c.a(0), c.a(1));
            quote!(-#d * #f::div_euclid(#a, #b))
        }
        // x = a.sin()  =>  da += dx * a.cos()
        //   forward:  tx = ta * a.cos()
        // (an active `a` is lowered to `Gate::SinPaired`: `c = a.cos(); x = a.sin()`, rule
        // `da += dx * c`)
        (M::Sin, 0) => {
            let a = c.a(0);
            quote!(#d * #f::cos(#a))
        }
        // x = a.sinh()  =>  da += dx * a.cosh()
        //   forward:  tx = ta * a.cosh()
        (M::Sinh, 0) => {
            let a = c.a(0);
            quote!(#d * #f::cosh(#a))
        }
        // x = a.sqrt()  =>  da += dx * 0.5 / x
        //   forward:  tx = ta * 0.5 / x
        (M::Sqrt, 0) => {
            let x = c.x();
            quote!(#d * 0.5 / #x)
        }
        // x = a.tan()  =>  da += dx * (1 + x * x)
        //   forward:  tx = ta * (1 + x * x)
        (M::Tan, 0) => {
            let x = c.x();
            quote!(#d * (1.0 + #x * #x))
        }
        // x = a.tanh()  =>  da += dx * (1 - x * x)
        //   forward:  tx = ta * (1 - x * x)
        (M::Tanh, 0) => {
            let x = c.x();
            quote!(#d * (1.0 - #x * #x))
        }
        // x = a.to_degrees()  =>  da += dx.to_degrees()  (the same constant factor)
        //   forward:  tx = ta.to_degrees()
        (M::ToDegrees, 0) => quote!(#f::to_degrees(#d)),
        // x = a.to_radians()  =>  da += dx.to_radians()
        //   forward:  tx = ta.to_radians()
        (M::ToRadians, 0) => quote!(#f::to_radians(#d)),
        // floor, ceil, round, round_ties_even, trunc, signum, div_euclid: slope 0, no rule (tx = 0)
        _ => return None,
    };
    Some(rule)
}

/// Every method gate: name, gate and arity (receiver included), for the dual number type whose
/// methods are generated from this table ([`crate::dual`]).
pub fn methods() -> impl Iterator<Item = (&'static str, M, usize)> {
    METHODS.iter().copied()
}
