//! Which of the function's variables an expression reads. Closures, blocks, `for` loops, `match`
//! arms and `if let` bind names of their own, which shadow the function's variables inside them:
//! `data.iter().map(|x| x * w)` reads `w` (and `data`) but no outer `x`.
//!
//! The activity test and the renaming of constant code both walk expressions through these
//! scopes. Getting them wrong either way is a bug: a capture that is missed treats an active
//! value as a constant (a silently wrong gradient), and a closure parameter that is renamed to the
//! outer variable of the same name computes something else.

use proc_macro2::{TokenStream, TokenTree};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Pat};

use super::lower_expr::is_compound_assign_op;

/// The names bound inside the expression being walked, innermost scope last.
#[derive(Default)]
pub struct Scopes(Vec<Vec<String>>);

impl Scopes {
    pub fn shadows(&self, name: &str) -> bool {
        self.0.iter().any(|s| s.iter().any(|n| n == name))
    }

    fn push(&mut self, names: Vec<String>) {
        self.0.push(names);
    }

    fn pop(&mut self) {
        self.0.pop();
    }

    fn add(&mut self, names: Vec<String>) {
        if let Some(s) = self.0.last_mut() {
            s.extend(names);
        }
    }
}

/// The names a pattern binds.
pub fn pat_names(p: &Pat) -> Vec<String> {
    struct N(Vec<String>);
    impl<'ast> Visit<'ast> for N {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.push(p.ident.to_string());
            visit::visit_pat_ident(self, p);
        }
    }
    let mut n = N(Vec::new());
    n.visit_pat(p);
    n.0
}

/// Whether an identifier pattern binds a name. An uppercase one without `ref`, `mut` or `@` is a
/// constant or a unit variant (`None`, `MAX`): it tests the value and binds nothing.
fn binds(p: &syn::PatIdent) -> bool {
    p.by_ref.is_some()
        || p.mutability.is_some()
        || p.subpat.is_some()
        || p.ident.to_string().starts_with(|c: char| c.is_lowercase() || c == '_')
}

/// The names a refutable pattern binds (without the constants it compares with).
pub fn binding_names(p: &Pat) -> Vec<String> {
    struct N(Vec<String>);
    impl<'ast> Visit<'ast> for N {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            if binds(p) {
                self.0.push(p.ident.to_string());
            }
            visit::visit_pat_ident(self, p);
        }
    }
    let mut n = N(Vec::new());
    n.visit_pat(p);
    n.0
}

/// `pat` testing the same values, with every name but `name` unbound: `x @ P` becomes `P`, a
/// plain name `_` (no unused bindings in generated code), and a shorthand field `S { f }` gets
/// its `f: _` written out.
pub fn keeping(pat: &Pat, name: &str) -> Pat {
    struct K<'a>(&'a str);
    impl VisitMut for K<'_> {
        fn visit_pat_mut(&mut self, p: &mut Pat) {
            if let Pat::Ident(pi) = p
                && pi.ident != self.0
                && binds(pi)
            {
                *p = match pi.subpat.take() {
                    Some((_, sub)) => *sub,
                    None => {
                        Pat::Wild(syn::PatWild { attrs: Vec::new(), underscore_token: syn::Token![_](pi.ident.span()) })
                    }
                };
            }
            visit_mut::visit_pat_mut(self, p);
        }
        fn visit_field_pat_mut(&mut self, f: &mut syn::FieldPat) {
            visit_mut::visit_field_pat_mut(self, f);
            let shorthand = matches!((&f.member, &*f.pat), (syn::Member::Named(m), Pat::Ident(pi))
                if *m == pi.ident && pi.subpat.is_none());
            if !shorthand && f.colon_token.is_none() {
                f.colon_token = Some(syn::Token![:](f.member.span()));
            }
        }
    }
    let mut p = pat.clone();
    K(name).visit_pat_mut(&mut p);
    p
}

fn closure_names(c: &syn::ExprClosure) -> Vec<String> {
    c.inputs.iter().flat_map(pat_names).collect()
}

/// The names the `let`s of a condition bind (`if let Some(x) = o && x > 0.0`).
fn let_names(cond: &Expr) -> Vec<String> {
    struct L(Vec<String>);
    impl<'ast> Visit<'ast> for L {
        fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
            self.0.extend(pat_names(&l.pat));
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    let mut l = L(Vec::new());
    l.visit_expr(cond);
    l.0
}

/// Every identifier in a macro's tokens: the macro's grammar is unknown, so any of them may be
/// a read of a variable.
pub fn macro_idents(t: TokenStream, f: &mut dyn FnMut(&proc_macro2::Ident)) {
    for tt in t {
        match tt {
            TokenTree::Ident(i) => f(&i),
            TokenTree::Group(g) => macro_idents(g.stream(), f),
            TokenTree::Punct(_) | TokenTree::Literal(_) => {}
        }
    }
}

/// Calls `f` on each variable read an expression makes (a path of one identifier that no name
/// bound inside the expression shadows), and on every identifier inside macro invocations.
/// `skip` prunes subexpressions whose reads do not matter to the caller.
pub struct Reads<'a> {
    pub scopes: Scopes,
    pub skip: &'a dyn Fn(&Expr) -> bool,
    pub f: &'a mut dyn FnMut(&proc_macro2::Ident),
}

impl<'ast> Visit<'ast> for Reads<'_> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        if !(self.skip)(e) {
            visit::visit_expr(self, e);
        }
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if p.qself.is_none()
            && let Some(id) = p.path.get_ident()
            && !self.scopes.shadows(&id.to_string())
        {
            (self.f)(id);
        }
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let scopes = &self.scopes;
        let f = &mut *self.f;
        macro_idents(m.tokens.clone(), &mut |i| {
            if !scopes.shadows(&i.to_string()) {
                f(i);
            }
        });
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.scopes.push(closure_names(c));
        self.visit_expr(&c.body);
        self.scopes.pop();
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.scopes.push(Vec::new());
        for s in &b.stmts {
            match s {
                syn::Stmt::Local(l) => {
                    if let Some(init) = &l.init {
                        self.visit_expr(&init.expr);
                        if let Some((_, e)) = &init.diverge {
                            self.visit_expr(e);
                        }
                    }
                    self.scopes.add(pat_names(&l.pat));
                }
                other => self.visit_stmt(other),
            }
        }
        self.scopes.pop();
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.visit_expr(&f.expr);
        self.scopes.push(pat_names(&f.pat));
        self.visit_block(&f.body);
        self.scopes.pop();
    }

    fn visit_arm(&mut self, a: &'ast syn::Arm) {
        // A guard lives in the pattern (`x if x > w`), inside the arm's scope.
        self.scopes.push(pat_names(&a.pat));
        self.visit_pat(&a.pat);
        self.visit_expr(&a.body);
        self.scopes.pop();
    }

    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        self.visit_expr(&i.cond);
        self.scopes.push(let_names(&i.cond));
        self.visit_block(&i.then_branch);
        self.scopes.pop();
        if let Some((_, e)) = &i.else_branch {
            self.visit_expr(e);
        }
    }

    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        self.visit_expr(&w.cond);
        self.scopes.push(let_names(&w.cond));
        self.visit_block(&w.body);
        self.scopes.pop();
    }

    // Items cannot capture local variables: nothing inside them reads one.
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Replaces each variable read (as [`Reads`] finds them) with what `f` returns for it.
pub struct Rename<'a> {
    pub scopes: Scopes,
    pub f: &'a mut dyn FnMut(&syn::ExprPath) -> Option<Expr>,
    /// Called on macro invocations, which cannot be renamed.
    pub on_macro: &'a mut dyn FnMut(&syn::Macro),
}

impl VisitMut for Rename<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::Path(p) => {
                if p.qself.is_none()
                    && let Some(id) = p.path.get_ident()
                    && !self.scopes.shadows(&id.to_string())
                    && let Some(r) = (self.f)(p)
                {
                    *e = r;
                }
            }
            Expr::Macro(m) => (self.on_macro)(&m.mac),
            _ => visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
        (self.on_macro)(m);
    }

    fn visit_expr_closure_mut(&mut self, c: &mut syn::ExprClosure) {
        self.scopes.push(closure_names(c));
        self.visit_expr_mut(&mut c.body);
        self.scopes.pop();
    }

    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        self.scopes.push(Vec::new());
        for s in &mut b.stmts {
            match s {
                syn::Stmt::Local(l) => {
                    if let Some(init) = &mut l.init {
                        self.visit_expr_mut(&mut init.expr);
                        if let Some((_, e)) = &mut init.diverge {
                            self.visit_expr_mut(e);
                        }
                    }
                    self.scopes.add(pat_names(&l.pat));
                }
                other => self.visit_stmt_mut(other),
            }
        }
        self.scopes.pop();
    }

    fn visit_expr_for_loop_mut(&mut self, f: &mut syn::ExprForLoop) {
        self.visit_expr_mut(&mut f.expr);
        self.scopes.push(pat_names(&f.pat));
        self.visit_block_mut(&mut f.body);
        self.scopes.pop();
    }

    fn visit_arm_mut(&mut self, a: &mut syn::Arm) {
        self.scopes.push(pat_names(&a.pat));
        self.visit_pat_mut(&mut a.pat);
        self.visit_expr_mut(&mut a.body);
        self.scopes.pop();
    }

    fn visit_expr_if_mut(&mut self, i: &mut syn::ExprIf) {
        self.visit_expr_mut(&mut i.cond);
        self.scopes.push(let_names(&i.cond));
        self.visit_block_mut(&mut i.then_branch);
        self.scopes.pop();
        if let Some((_, e)) = &mut i.else_branch {
            self.visit_expr_mut(e);
        }
    }

    fn visit_expr_while_mut(&mut self, w: &mut syn::ExprWhile) {
        self.visit_expr_mut(&mut w.cond);
        self.scopes.push(let_names(&w.cond));
        self.visit_block_mut(&mut w.body);
        self.scopes.pop();
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Whether a closure's body assigns to a variable it captures (`|x| total += x`): constant code
/// is emitted with the function's variables renamed to immutable values, so such a closure has
/// to be rejected, not kept.
pub fn assigns_capture(c: &syn::ExprClosure) -> bool {
    !assigned_captures(c).is_empty()
}

/// The captured variables a closure's body assigns to, each once.
pub fn assigned_captures(c: &syn::ExprClosure) -> Vec<String> {
    let mut a = Assigned { scopes: Scopes::default(), found: Vec::new() };
    a.visit_expr_closure(c);
    a.found
}

/// The variables of the enclosing scope that `e` assigns to (`i = 1`, `i += 1`, `&mut i`), each
/// once; not those it declares itself.
pub fn assigned_in(e: &Expr) -> Vec<String> {
    let mut a = Assigned { scopes: Scopes::default(), found: Vec::new() };
    a.visit_expr(e);
    a.found
}

struct Assigned {
    scopes: Scopes,
    found: Vec<String>,
}

impl Assigned {
    fn target(&mut self, e: &Expr) {
        let mut e = e;
        loop {
            match e {
                Expr::Index(i) => e = &i.expr,
                Expr::Field(f) => e = &f.base,
                Expr::Paren(p) => e = &p.expr,
                Expr::Unary(u) => e = &u.expr,
                _ => break,
            }
        }
        if let Expr::Path(p) = e
            && let Some(id) = p.path.get_ident()
        {
            let name = id.to_string();
            if !self.scopes.shadows(&name) && !self.found.contains(&name) {
                self.found.push(name);
            }
        }
    }
}

impl<'ast> Visit<'ast> for Assigned {
    fn visit_expr(&mut self, e: &'ast Expr) {
        match e {
            Expr::Assign(a) => self.target(&a.left),
            Expr::Binary(b) if is_compound_assign_op(b.op) => self.target(&b.left),
            Expr::Reference(r) if r.mutability.is_some() => self.target(&r.expr),
            _ => {}
        }
        visit::visit_expr(self, e);
    }
    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.scopes.push(closure_names(c));
        self.visit_expr(&c.body);
        self.scopes.pop();
    }
    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.scopes.push(Vec::new());
        for s in &b.stmts {
            visit::visit_stmt(self, s);
            if let syn::Stmt::Local(l) = s {
                self.scopes.add(pat_names(&l.pat));
            }
        }
        self.scopes.pop();
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// The variables of the enclosing function an expression reads, each once, in order.
pub fn free_reads(e: &Expr) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut f = |id: &proc_macro2::Ident| {
        let n = id.to_string();
        if !names.contains(&n) {
            names.push(n);
        }
    };
    Reads { scopes: Scopes::default(), skip: &|_| false, f: &mut f }.visit_expr(e);
    names
}
