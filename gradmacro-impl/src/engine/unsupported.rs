//! Rejections: what each unsupported construct is told, and what to write instead.

use syn::Expr;

use super::lower::{Binding, Lower, strip};

impl Lower<'_> {
    pub(super) fn unsupported(&mut self, e: &Expr) {
        let msg = match e {
            Expr::Match(_) => "`match` is not supported in a #[differentiate] body: use `if`/`else if`/`else`",
            Expr::Closure(_) => {
                "a closure that reads a differentiated value, or assigns to a variable of the function, is supported where the macro can inline it: bound with `let` and called (`let f = |x: f64| ..; f(a)`), or passed to an iterator adaptor (`.map(|x| ..)`); here it would be a value the macro cannot follow"
            }
            Expr::Macro(_) => MACRO_MSG,
            Expr::Async(_) | Expr::Await(_) => "`async`/`.await` is not supported in a #[differentiate] body",
            Expr::Unsafe(_) => "`unsafe` blocks are not supported in a #[differentiate] body",
            Expr::Try(_) => {
                "the `?` operator is not supported in a #[differentiate] body: the function returns a float, not a `Result`"
            }
            Expr::Let(_) => "`let` expressions are not supported here: test with a comparison",
            Expr::Struct(s) if s.fields.iter().any(|f| self.is_closure(&f.expr)) => {
                "a local closure cannot be stored in a struct: the macro inlines a closure where it is called, and cannot follow it into a value; call it where it is defined (`let y = f(x);`) and store the result"
            }
            Expr::Field(f) if self.reads_struct_place(&f.base) => {
                "a differentiated struct is read through named fields, then indices into a float array field (`p.x`, `b.pos.x`, `p.v[k]`, `ps[i].x`): a field of an element of an array or `Vec` field (`p.items[0].x`) or an unnamed field is not supported; make those values fields of their own, or pass that part as its own parameter with `wrt(...)`"
            }
            Expr::Field(_) | Expr::Struct(_) => {
                "fields of differentiated values are not supported: differentiated values are floats and float arrays"
            }
            Expr::Reference(_) => "references to differentiated values are not supported here: use the value itself",
            Expr::Tuple(_) => "tuples of differentiated values are supported only in `let (a, b) = (x, y);`",
            Expr::Array(_) | Expr::Repeat(_) => {
                "array expressions with differentiated elements are supported only as the value of a `let`: `let h = [a, b];`"
            }
            Expr::Range(_) => "ranges of differentiated values are not supported: ranges are of integers",
            _ => "this expression is not supported in a #[differentiate] body",
        };
        self.error_tokens(e, msg);
    }
}

impl Lower<'_> {
    /// A closure written in place or bound to a local name.
    fn is_closure(&self, e: &Expr) -> bool {
        match strip(e) {
            Expr::Closure(_) => true,
            Expr::Path(p) => {
                p.path.get_ident().is_some_and(|id| matches!(self.lookup(&id.to_string()), Some(Binding::Closure(_))))
            }
            _ => false,
        }
    }
}

pub const MACRO_MSG: &str = "this macro is not supported in a #[differentiate] body: the macro cannot see inside it; write the computation out, or move it into a function called with constant arguments (`assert!` and its kin, `println!` and its kin, and `let v = vec![..];` are supported)";

/// Adaptors and consumers of iterators (`max`/`min` without an argument: with one they are the
/// float gates).
pub fn is_iterator_method(name: &str, args: usize) -> bool {
    matches!(
        name,
        "iter"
            | "into_iter"
            | "map"
            | "filter"
            | "filter_map"
            | "flat_map"
            | "flatten"
            | "fold"
            | "try_fold"
            | "reduce"
            | "scan"
            | "sum"
            | "product"
            | "collect"
            | "for_each"
            | "try_for_each"
            | "zip"
            | "enumerate"
            | "rev"
            | "skip"
            | "take"
            | "step_by"
            | "skip_while"
            | "take_while"
            | "map_while"
            | "chain"
            | "cycle"
            | "copied"
            | "cloned"
            | "inspect"
            | "peekable"
            | "windows"
            | "chunks"
            | "max_by"
            | "min_by"
            | "max_by_key"
            | "min_by_key"
            | "count"
            | "last"
            | "nth"
            | "position"
            | "find"
            | "find_map"
            | "any"
            | "all"
            | "partition"
            | "unzip"
    ) || (args == 0 && matches!(name, "max" | "min"))
}

pub fn iterator_msg(name: &str) -> String {
    format!(
        "this iterator chain over differentiated values is not differentiated (`.{name}(..)` here): chains of `map`, `filter` and `copied` over ranges, arrays, slices, sub-slices `xs[a..b].iter()` and windows `xs.windows(k)`/`xs.chunks(k)`/`xs.chunks_exact(k)` (with `zip`, `enumerate`, and `rev`, `skip`, `take`, `step_by` before the first closure) ending in `sum`, `product`, `fold`, `for_each`, `collect`, or `max_by`/`min_by`/`reduce` then `unwrap` are; otherwise write a `for` loop that accumulates, e.g. `let mut s = 0.0; for x in xs.iter() {{ s += (x - mu).powi(2); }}`; chains that only decide a condition (`if xs.iter().any(|&x| x > w)`) are fine"
    )
}

/// Methods of `Option`, `Result`, slices and `Vec`: no user writes a `_grad` companion for
/// them, so a differentiated argument is rejected here rather than by rustc's "no method".
pub fn is_std_method(name: &str) -> bool {
    matches!(
        name,
        "map_or"
            | "map_or_else"
            | "unwrap_or"
            | "unwrap_or_else"
            | "and_then"
            | "or"
            | "or_else"
            | "xor"
            | "get_or_insert"
            | "get_or_insert_with"
            | "insert"
            | "replace"
            | "push"
            | "extend"
            | "contains"
            | "fill"
            | "get"
    )
}

pub fn std_method_msg(name: &str) -> String {
    format!(
        "`.{name}(..)` of a standard library type with a differentiated argument is not supported: it has no `_grad` companion; test with `if let`/`match` instead (`if let Some(f) = opt {{ f * w }} else {{ w }}`)"
    )
}
