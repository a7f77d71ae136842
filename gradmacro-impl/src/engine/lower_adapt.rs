//! Lowering, position adaptors over arrays: `xs.iter().rev()`, `.skip(n)`, `.take(n)`,
//! `.step_by(n)`. A loop over arrays runs an index `k` over `0..count`; an adaptor changes the
//! count and maps `k` to the position it reads in the iterator it adapts, so the loop stays an
//! index loop the reverse pass knows (nothing borrowed across the backward pass, no iterator
//! object kept). The counts and the adaptors' arguments are computed once, before the loop.

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

#[derive(Clone, Copy)]
enum Kind {
    Rev,
    Skip,
    Take,
    StepBy,
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
}

impl IterShape {
    pub(super) fn adapted(&self) -> bool {
        match self {
            IterShape::Source { .. } => false,
            IterShape::Zip(a, b) => a.adapted() || b.adapted(),
            IterShape::Enumerate(a) | IterShape::Copied(a) => a.adapted(),
            IterShape::Adapt(..) => true,
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
            IterShape::Zip(a, b) => {
                let (ca, cb) = (self.count(a, out), self.count(b, out));
                self.int_op(|a, b| quote!(::core::cmp::min(#a, #b)), &ca, &cb, out)
            }
            IterShape::Enumerate(a) | IterShape::Copied(a) => self.count(a, out),
            IterShape::Adapt(a, adapter) => {
                let inner = self.count(a, out);
                let arg = match &adapter.arg {
                    Some(e) => {
                        let v = self.cond(e, out);
                        if self.is_active(&v) {
                            self.error_tokens(e, "the argument of `.skip`, `.take` or `.step_by` must be an integer");
                        }
                        v
                    }
                    None => Operand::Lit(quote!(0usize)),
                };
                let n = match adapter.kind {
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
            Kind::Skip => self.int_op(|k, s| quote!(#k + #s), k, arg, out),
            Kind::Take => k.clone(),
            Kind::StepBy => self.int_op(|k, s| quote!(#k * #s), k, arg, out),
        }
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
