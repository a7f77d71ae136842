//! Lowering, position adaptors over arrays: `xs.iter().rev()`, `.skip(n)`, `.take(n)`,
//! `.step_by(n)`, and sub-slices `&xs[a..b]` / `xs[a..].iter()`. A loop over arrays runs an index
//! `k` over `0..count`; an adaptor changes the count and maps `k` to the position it reads in the
//! iterator it adapts, so the loop stays an index loop the reverse pass knows (nothing borrowed
//! across the backward pass, no iterator object kept). The counts and the adaptors' arguments are
//! computed once, before the loop.

use quote::quote;
use syn::Expr;

use super::ir::{Block, Operand};
use super::lower::Lower;
use super::lower_loop::IterShape;

pub struct Adapter {
    kind: Kind,
    arg: Option<Expr>,
    /// The adapted iterator's count and the argument's value, once computed.
    plan: Option<(Operand, Operand)>,
}

enum Kind {
    Rev,
    Skip,
    Take,
    StepBy,
    /// `xs[start..end]` of the array `xs` (`arg` is the start): `end` as written, `..` or `..=`.
    Slice {
        xs: Box<Expr>,
        end: Option<Box<Expr>>,
        limits: syn::RangeLimits,
    },
}

impl Adapter {
    /// The adaptor `m` is, if it is one.
    pub fn of(m: &syn::ExprMethodCall) -> Option<Adapter> {
        let kind = match (m.method.to_string().as_str(), m.args.len()) {
            ("rev", 0) => Kind::Rev,
            ("skip", 1) => Kind::Skip,
            ("take", 1) => Kind::Take,
            ("step_by", 1) => Kind::StepBy,
            _ => return None,
        };
        Some(Adapter { kind, arg: m.args.first().cloned(), plan: None })
    }

    /// The sub-slice `range` of the array `xs` (a name or a struct's field).
    pub fn slice(xs: Expr, range: &syn::ExprRange) -> Adapter {
        let kind = Kind::Slice { xs: Box::new(xs), end: range.end.clone(), limits: range.limits };
        Adapter { kind, arg: range.start.as_deref().cloned(), plan: None }
    }
}

impl IterShape {
    pub(super) fn adapted(&self) -> bool {
        match self {
            IterShape::Source { .. } | IterShape::Field { .. } => false,
            IterShape::Zip(a, b) => a.adapted() || b.adapted(),
            IterShape::Enumerate(a) | IterShape::Copied(a) => a.adapted(),
            IterShape::Adapt(..) | IterShape::Windows(_) => true,
        }
    }
}

impl Lower<'_> {
    /// How many items `shape` hands out, as std counts them; the adaptors inside keep what they
    /// need to map positions.
    pub(super) fn count(&mut self, shape: &mut IterShape, out: &mut Block) -> Operand {
        match shape {
            IterShape::Source { ident, .. } => {
                let (t, uses) = self.rename(&syn::parse_quote!(#ident));
                self.plain_tokens(quote!(#t.len()), uses, ident.span(), out)
            }
            IterShape::Field { place, .. } => {
                let (t, uses) = self.rename(place);
                self.plain_tokens(quote!(#t.len()), uses, syn::spanned::Spanned::span(&**place), out)
            }
            IterShape::Zip(a, b) => {
                let (ca, cb) = (self.count(a, out), self.count(b, out));
                self.int_op(|a, b| quote!(::core::cmp::min(#a, #b)), &ca, &cb, out)
            }
            IterShape::Enumerate(a) | IterShape::Copied(a) => self.count(a, out),
            IterShape::Windows(w) => self.window_count(w, out),
            IterShape::Adapt(a, adapter) => {
                let inner = self.count(a, out);
                let arg = match &adapter.arg {
                    Some(e) => self.index_arg(e, out),
                    None => Operand::Lit(quote!(0usize)),
                };
                let n = match &adapter.kind {
                    // The length of the sub-slice, taken as `f` takes it: out of bounds, both panic
                    // the same way.
                    Kind::Slice { xs, end, limits } => {
                        let (t, mut uses) = self.rename(xs);
                        let start = adapter.arg.as_ref().map(|_| self.op_tokens(&arg));
                        uses.extend(arg.val());
                        let end = end.as_ref().map(|e| {
                            let v = self.index_arg(e, out);
                            uses.extend(v.val());
                            self.op_tokens(&v)
                        });
                        self.plain_tokens(
                            quote!(#t[#start #limits #end].len()),
                            uses,
                            syn::spanned::Spanned::span(&**xs),
                            out,
                        )
                    }
                    Kind::Rev => inner.clone(),
                    Kind::Skip => self.int_op(|c, s| quote!(#c.saturating_sub(#s)), &inner, &arg, out),
                    Kind::Take => self.int_op(|c, t| quote!(::core::cmp::min(#c, #t)), &inner, &arg, out),
                    // std panics on a step of 0, and so does `div_ceil`.
                    Kind::StepBy => self.int_op(|c, s| quote!(#c.div_ceil(#s)), &inner, &arg, out),
                };
                adapter.plan = Some((inner, arg));
                n
            }
        }
    }

    /// The position in the adapted iterator that item `k` of `adapter` reads.
    pub(super) fn position(&mut self, adapter: &Adapter, k: &Operand, out: &mut Block) -> Operand {
        let Some((inner, arg)) = &adapter.plan else { return k.clone() };
        match adapter.kind {
            // `k < count`: no underflow.
            Kind::Rev => self.int_op(|c, k| quote!(#c - 1 - #k), inner, k, out),
            Kind::Skip | Kind::Slice { .. } => self.int_op(|k, s| quote!(#k + #s), k, arg, out),
            Kind::Take => k.clone(),
            Kind::StepBy => self.int_op(|k, s| quote!(#k * #s), k, arg, out),
        }
    }

    /// An adaptor's integer argument or a sub-slice's bound, computed once before the loop.
    pub(super) fn index_arg(&mut self, e: &Expr, out: &mut Block) -> Operand {
        let v = self.cond(e, out);
        if self.is_active(&v) {
            self.error_tokens(
                e,
                "the argument of `.skip`, `.take` or `.step_by` and the bounds of a sub-slice `xs[a..b]` must be integers",
            );
        }
        v
    }

    /// A plain integer computed from two operands.
    fn int_op(
        &mut self,
        f: impl FnOnce(proc_macro2::TokenStream, proc_macro2::TokenStream) -> proc_macro2::TokenStream,
        a: &Operand,
        b: &Operand,
        out: &mut Block,
    ) -> Operand {
        let tokens = f(self.op_tokens(a), self.op_tokens(b));
        let uses = a.val().into_iter().chain(b.val()).collect();
        self.plain_tokens(tokens, uses, proc_macro2::Span::call_site(), out)
    }
}
