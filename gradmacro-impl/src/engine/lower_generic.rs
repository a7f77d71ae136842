//! Lowering, generic functions (`fn f<F: num_traits::Float>`): the calls of `F`'s associated
//! functions. `F::one()`, `F::PI()`, `F::from(0.5).unwrap()` are constants; `F::sin(x)` is the
//! gate `sin`; `F::from` of a differentiated value, or any other call of `F` that reads one, is
//! rejected, so that no value depending on an active parameter silently becomes a constant.

use quote::quote;
use syn::Expr;

use super::gates;
use super::generic_mode;
use super::ir::{Block, Operand};
use super::lower::{Lower, strip};

/// Conversions that would turn a differentiated value into a new, constant one.
const CONVERSIONS: &[&str] = &["from", "cast", "from_f64", "from_f32", "to_f64", "to_f32", "from_i32", "from_usize"];

impl Lower<'_> {
    /// A call in a generic function that is not lowered as elsewhere: a constant of `F`, or an
    /// error. `None`: lower it as usual (a gate `F::sin(x)`, a call of the user's functions).
    pub(super) fn generic_call(&mut self, c: &syn::ExprCall, out: &mut Block) -> Option<Operand> {
        let f = generic_mode::param()?;
        let Expr::Path(p) = strip(&c.func) else { return None };
        let last = p.path.segments.last()?.ident.to_string();
        let active = c.args.iter().any(|a| self.mentions_active(a));
        if CONVERSIONS.contains(&last.as_str()) && (active || p.qself.is_some()) {
            if active {
                self.error_tokens(
                    c,
                    format!("`{}` of a differentiated value would cut its gradient: a value computed from a differentiated parameter is already of type `{f}`, so use it as it is; `{f}::from(..)` is for constants (`{f}::from(0.5).unwrap()`, `{f}::from(i).unwrap()` for an integer `i`)", quote!(#p).to_string().replace(' ', "")),
                );
                return Some(Operand::Lit(quote!(0.0)));
            }
            return None;
        }
        let [head, _] = p.path.segments.iter().collect::<Vec<_>>()[..] else { return None };
        if p.qself.is_some() || head.ident != f {
            return None;
        }
        if let Some((g, _)) = gates::method(&last) {
            if generic_mode::lacks(g) {
                self.error_tokens(&c.func, lacks_msg(&last, &f));
                return Some(Operand::Lit(quote!(0.0)));
            }
            return None;
        }
        if c.args.is_empty() && generic_mode::is_constant_fn(&last) {
            return Some(Operand::Val(self.plain(&Expr::Call(c.clone()), None, out)));
        }
        if active {
            self.error_tokens(
                &c.func,
                format!("`{f}::{last}(..)` with a differentiated argument is not a gate: the gates of `num_traits::Float` are {}, in method form (`x.sin()`) or path form (`{f}::sin(x)`); for your own function, write `{last}(x)` with a #[differentiate] (or hand-written `{last}_grad`) companion", gate_names()),
            );
            return Some(Operand::Lit(quote!(0.0)));
        }
        None
    }

    /// A method call in a generic function that is not lowered as elsewhere: an error for a gate
    /// `num_traits::Float` does not have, and for `F::from(x).unwrap()` of a differentiated `x`.
    pub(super) fn generic_method(&mut self, m: &syn::ExprMethodCall, out: &mut Block) -> Option<Operand> {
        let f = generic_mode::param()?;
        let name = m.method.to_string();
        if let Some((g, arity)) = gates::method(&name)
            && arity == m.args.len() + 1
            && generic_mode::lacks(g)
        {
            self.error(m.method.span(), lacks_msg(&name, &f));
            return Some(Operand::Lit(quote!(0.0)));
        }
        if matches!(name.as_str(), "unwrap" | "expect" | "unwrap_or" | "unwrap_or_else")
            && let Expr::Call(c) = strip(&m.receiver)
        {
            return self.generic_call(c, out);
        }
        None
    }
}

fn lacks_msg(name: &str, f: &proc_macro2::Ident) -> String {
    format!(
        "`{name}` is not a method of `num_traits::Float`, so a generic function cannot call it on `{f}`: write the function for `f64` or `f32`, or compute it from the gates `num_traits::Float` has (`{name}` of `a`, `b` from `(a / b).floor()` or `.trunc()`)"
    )
}

fn gate_names() -> String {
    gates::method_names()
        .filter(|n| gates::method(n).is_some_and(|(g, _)| !generic_mode::lacks(g)))
        .collect::<Vec<_>>()
        .join(", ")
}
