//! Lowering, local arrays and buffers: `[a, b]`, `[x; n]` and `vec![..]` declarations, the
//! slot each gets (with its adjoint's zeros), and where a buffer may be declared in a loop.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::Expr;

use super::ir::{ArrayInit, ArrayRef, ArraySlot, Block, Operand, Stmt};
use super::lower::{Binding, Lower, untyped_float};

impl Lower<'_> {
    pub(super) fn declare_array(&mut self, name: &str, ty: Option<&syn::Type>, init: &Expr, out: &mut Block) {
        let binding = self.new_array(ty, init, false, out);
        self.bind(name, binding);
    }

    /// `let h = vec![..];`: a local array on the heap. Its adjoint is declared beside it, with the
    /// length the forward pass gives it. In a loop (also in an arm of its body) each iteration
    /// makes the buffer again: the backward pass's recomputation of the iteration makes it once
    /// more and resets one adjoint `Vec` to its length (`Rev::loop_buffers`).
    pub(super) fn declare_vec(
        &mut self,
        name: &str,
        ty: Option<&syn::Type>,
        lit: syn::Result<Expr>,
        init: &Expr,
        out: &mut Block,
    ) {
        let lit = match lit {
            Ok(l) => l,
            Err(_) => {
                self.error_tokens(init, "this `vec!` cannot be read: write `vec![value; length]` or `vec![a, b, c]`");
                return self.bind(name, Binding::Scalar { op: Operand::Lit(quote!(0.0)), refs: 0 });
            }
        };
        let binding = self.new_array(ty, &lit, true, out);
        self.buffer_in_loop(&binding);
        self.bind(name, binding);
    }

    /// A buffer declared in a loop is rebuilt by the backward pass's recomputation of the
    /// iteration, which declares the adjoint beside it.
    pub(super) fn buffer_in_loop(&mut self, binding: &Binding) {
        if self.loop_depth > 0
            && let Binding::Array { array: ArrayRef::Local(slot), .. } = binding
        {
            self.arrays[*slot].read_in_loop = true;
        }
    }

    /// A local array initialised by `init` (`[a, b]`, `[x; n]`, or a value of type `ty`), not yet
    /// bound to a name: a call's array argument `g([a, b])` is one without a name.
    pub fn new_array(&mut self, ty: Option<&syn::Type>, init: &Expr, heap: bool, out: &mut Block) -> Binding {
        // The slot is taken before the elements are lowered: an element may declare arrays of its
        // own (`[g([a, b]), c]`), which must get other numbers.
        let slot = self.arrays.len();
        self.arrays.push(ArraySlot {
            active: false,
            written: false,
            zeros: TokenStream::new(),
            read_in_loop: false,
            heap,
            capacity: None,
            user: None,
            tuple: false,
            beside: false,
        });
        let forced = self.forced_active.get(slot).copied().unwrap_or(false);
        let original = init;
        let (init, zeros, active) = match init {
            Expr::Array(a) => {
                let mut ops = Vec::new();
                for e in &a.elems {
                    ops.push(self.expr(e, out));
                }
                let n = ops.len();
                let active = ops.iter().any(|o| self.is_active(o));
                (ArrayInit::List(ops), quote!([0.0; #n]), active)
            }
            Expr::Repeat(r) => {
                let v = self.expr(&r.expr, out);
                let len = if heap {
                    // A run-time length, evaluated once where the user wrote it.
                    let n = self.int_value(&r.len, out);
                    if self.is_active(&n) {
                        self.error_tokens(&r.len, "the length of a `vec!` must be an integer");
                    }
                    (self.op_tokens(&n), n.val().into_iter().collect())
                } else {
                    (r.len.to_token_stream(), Vec::new())
                };
                let (len, uses) = len;
                let active = self.is_active(&v);
                (ArrayInit::Repeat(v, len.clone(), uses), quote!([0.0; #len]), active)
            }
            // A whole value of the array's type, e.g. `let r: [f64; 2] = g(c);` with constant
            // arguments (found by the oracle's vector family, program v87 of the default seed:
            // it was repeated as if it were an element, `[r; 2]`, and did not compile).
            other => {
                let v = self.expr(other, out);
                let len = match ty {
                    Some(syn::Type::Array(a)) => a.len.to_token_stream(),
                    _ => quote!(0),
                };
                (ArrayInit::Whole(v), quote!([0.0; #len]), false)
            }
        };
        let zeros = if heap {
            // Typed: the adjoint's only uses (`+=`) do not fix its element type.
            let (a, f) = (super::array_ident(slot), self.sig.float.path());
            quote!(::gradmacro::__private::zeros::<#f>(#a.len()))
        } else {
            zeros
        };
        let a = &mut self.arrays[slot];
        a.active = active || forced;
        a.zeros = zeros;
        let f = self.sig.float.path();
        let ty = match (ty, original) {
            (Some(t), _) => Some(t.to_token_stream()),
            (None, Expr::Array(a)) if !a.elems.is_empty() && a.elems.iter().all(untyped_float) => {
                let n = a.elems.len();
                Some(if heap { quote!(::gradmacro::__private::Vec<#f>) } else { quote!([#f; #n]) })
            }
            (None, Expr::Repeat(r)) if untyped_float(&r.expr) => {
                let n = &r.len;
                Some(if heap { quote!(::gradmacro::__private::Vec<#f>) } else { quote!([#f; #n]) })
            }
            _ => None,
        };
        out.stmts.push(Stmt::ArrayDecl { slot, init, ty });
        let handle = super::array_ident(slot).to_token_stream();
        Binding::Array { array: ArrayRef::Local(slot), active: active || forced, handle, handle_use: None }
    }
}
