//! Exact gradients of ordinary Rust functions, generated at compile time, on stable Rust.
//!
//! `#[differentiate]` keeps your function as written and adds `f_grad` beside it: the forward
//! pass with every intermediate kept, then the backward pass, one local-gradient rule per gate,
//! in reverse order (the "backprop ninja" of Karpathy's *Hacker's guide to Neural Networks*),
//! as plain Rust that the compiler optimises like a hand-written backward pass.
//!
//! ```
//! use gradmacro::differentiate;
//!
//! #[differentiate]
//! fn neuron(a: f64, b: f64, c: f64, x: f64, y: f64) -> f64 {
//!     let q = a * x + b * y + c;
//!     1.0 / (1.0 + (-q).exp())
//! }
//!
//! let (v, da, db, dc, dx, dy) = neuron_grad(1.0, 2.0, -3.0, -1.0, 3.0);
//! assert_eq!(v.to_bits(), neuron(1.0, 2.0, -3.0, -1.0, 3.0).to_bits());
//! // d/da of sig(q) is sig(q) (1 - sig(q)) x
//! assert!((da - v * (1.0 - v) * -1.0).abs() < 1e-12);
//! assert!((dy - v * (1.0 - v) * 2.0).abs() < 1e-12);
//! # let _ = (db, dc, dx);
//! ```
//!
//! # The contract
//!
//! ## The attribute
//! `#[differentiate]` differentiates with respect to every float-valued parameter;
//! `#[differentiate(wrt(a, c))]` with respect to exactly `a` and `c` (the others are constants);
//! `forward` adds forward mode (below).
//! It applies to a free `fn` or an `fn` in an `impl` block (the receiver is a constant unless
//! named: `wrt(self, x)`, see "Structs"), and adds
//! `f_grad` with the same visibility and parameters, returning `(value, gradients...)`
//! (`reverse` keeps it in reverse mode where it would run in forward mode, see "Forward-mode
//! `f_grad`"):
//!
//! - the value is bit-identical to what `f` returns for the same arguments;
//! - then one gradient per active parameter, in declaration order (`(R, G)` for one);
//! - float-valued types and their gradients: `f64`/`f32` → the same float; `[F; N]` and
//!   `&[F; N]` → `[F; N]`; `&[F]`, `&Vec<F>`, `Vec<F>` → `Vec<F>` of the same length; `(F, F, ..)`
//!   and `&(F, F, ..)` → the same tuple (read by field, `p.0`, or `let (x, y) = p;`). Integers,
//!   bools, receivers, and (unless named in `wrt`) nested arrays such as `&[[f64; 2]]` and structs
//!   are constants (see "Nested arrays" and "Structs").
//!
//! ```
//! use gradmacro::differentiate;
//!
//! #[differentiate(wrt(w))]
//! fn loss(w: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
//!     let mut l = 0.0;
//!     for i in 0..xs.len() {
//!         let e = w[0] * xs[i] + w[1] - ys[i];
//!         l += e * e;
//!     }
//!     l
//! }
//!
//! // residuals -2 and -3: l = 13, dl/dw0 = 2(-2*1 - 3*2), dl/dw1 = 2(-2 - 3)
//! let (l, dw) = loss_grad(&[1.0, 0.0], &[1.0, 2.0], &[3.0, 5.0]);
//! assert_eq!((l, dw), (13.0, vec![-16.0, -10.0]));
//! ```
//!
//! ## The body
//! - `+ - * /` and unary `-` on floats; integer arithmetic for indices and counters.
//! - Float methods of `std` as gates, as `x.exp()` or `f64::exp(x)`: `abs, acos, acosh, asin,
//!   asinh, atan, atan2, atanh, cbrt, clamp, cos, cosh, exp, exp2, exp_m1, hypot, ln, ln_1p, log,
//!   log10, log2, max, min, mul_add, powf, powi, recip, sin, sinh, sqrt, tan, tanh, to_degrees,
//!   to_radians`, and the piecewise-constant `floor, ceil, round, round_ties_even, trunc, signum`
//!   (slope 0) and `fract` (slope 1).
//! - Literals, `const` items, `std::f64::consts::*`, casts (`i as f64` and a float cast to an
//!   integer are constants).
//! - `let` with `mut`, type annotations, tuple patterns and shadowing; `=`, `+=`, `-=`, `*=`,
//!   `/=`; tuple assignment `(p, q) = (q, p + h * q);` (every right-hand value first); blocks.
//! - Index reads of arrays, slices and `Vec`s (`w[i]`, `x[i][0]` on constant data), and local
//!   arrays written by index (`let mut h = [0.0; 3]; h[k] = ...;`).
//! - `if`/`else if`/`else`, as statements and expressions, with any condition: the branch taken
//!   is differentiated; the condition contributes no gradient.
//! - `for` over ranges and iterators (`0..n`, `(0..n).rev()`, `xs.iter()`, `&xs`, `for &x in xs`,
//!   `.iter().enumerate()`, `.iter().zip(...)`, sub-slices `&xs[1..]`, `xs[a..=b].iter()`), `while`, `break`, `continue`, early `return`,
//!   nested loops, values carried from one iteration to the next.
//! - Windows of an array by name or of a sub-slice of one (`xs[1..].windows(2)`):
//!   `for w in xs.windows(2) { s += (w[1] - w[0]).powi(2); }`,
//!   `xs.chunks(3).map(|p| p.iter().map(|v| v * v).sum::<f64>().sqrt()).sum()`,
//!   `xs.chunks_exact(k)`: a window is read by index (`w[j]`, bounds-checked against the window
//!   as in `f`) or iterated, and `w.len()` is its length; the gradient goes to `xs[start + j]`.
//!   A name bound to a sub-slice, `let t = &xs[1..];`, is such a window too (and `g(t)` passes a
//!   copy, as `g(&xs[1..])` does).
//! - Calls: a call whose arguments are all constant runs as written. A call `g(args)` (also
//!   `path::g(args)`, `Self::g(args)`, `obj.g(args)`) with an argument that depends on an active
//!   parameter is differentiated through `g_grad(args)` under this same contract: `g` is either
//!   `#[differentiate]`d itself or you write `g_grad` by hand, which is how you define a gate of
//!   your own. The gradients `g_grad` returns line up with `g`'s float-valued parameters, so an
//!   argument whose float-ness the macro cannot see (a field, a call result) must be bound to a
//!   typed `let` first; the error says so. Arrays are passed by name, as literals (`g([a, b])`)
//!   or as sub-slices (`dot(&x[1..], &w[..n - 1])`: one of a differentiated array is passed as a
//!   copy, whose adjoint flows back to `x[1 + k]`). `let t = x[1..].to_vec();` is such a copy too.
//! - Iterator chains over arrays, slices, `Vec`s, local buffers and ranges, with closures, are
//!   lowered to the loop they mean (the closures inlined), so they run as fast as that loop:
//!   `map`, `filter`, `zip`, `enumerate`, `copied`, `cloned`, windows (`xs.windows(2)`,
//!   `xs.chunks(k)`, `xs.chunks_exact(k)`), and `rev`, `skip`, `take`,
//!   `step_by` before the first closure, ending in `sum` (`xs.iter().map(|x| x * x).sum::<f64>()`,
//!   `let s: f64 = xs.iter().sum();`), `product`, `fold(init, |acc, x| ..)`,
//!   `fold(f64::NEG_INFINITY, f64::max)`, a tuple accumulator destructured by a `let`
//!   (`let (s, s2) = xs.iter().fold((0.0, 0.0), |(s, s2), &x| (s + x, s2 + x * x));`, the
//!   closure ending with a tuple or an `if`/`else` of tuples), `for_each(|x| total += w * x)`,
//!   `max_by(f64::total_cmp)` / `min_by(|a, b| a.partial_cmp(b).unwrap())` / `reduce(|a, b| ..)`
//!   followed by `unwrap()`, `expect(..)` or `unwrap_or(..)` (on a tie `max_by` keeps the later
//!   item and `min_by` the earlier, as std does, and the gradient follows the item kept), and
//!   `let v: Vec<f64> = chain.collect();` (after a `filter` the buffer grows by `push`).
//!   `any`/`all` and other chains in conditions read any values.
//! - Local closures, inlined at each call: `let sq = |v: f64| v * v; sq(a) + sq(b)`, closures
//!   capturing differentiated values (as they were when the closure was made), calling other
//!   closures, passed by name to adaptors (`.map(sq)`), taking slices (`|a: &[f64]| a[0]`), or
//!   assigning to a captured variable (`let mut add = |v: f64| total += v;`).
//! - `match` on constant scrutinees (integers, `bool`s, enums, `Option`s of constant data; guards,
//!   `|` patterns, bindings), `if let`, `let .. else`, and `loop { .. break value; }`: the arm or
//!   path taken is differentiated. The element `Option` of an array, differentiated or not,
//!   taken apart the same ways or unwrapped: `if let Some(l) = w.last() { l * l }`,
//!   `match w.get(i) { Some(&v) => .., None => .. }`, `let Some(&f) = w.first() else { .. }`,
//!   `*w.last().unwrap()`, `w.get(i).copied().unwrap_or(x)` (`i` a name or a literal): the
//!   element is read by index, `w[w.len() - 1]`, under the test that it exists. A name bound out
//!   of anything else computed from a differentiated value (`if let [a, b] = w`,
//!   `Some(m) = w.iter().copied().reduce(f64::max)`) is an error: it would be a constant.
//! - Local buffers `let mut h = vec![0.0; n];`, `vec![a, b, c]` and `Vec::with_capacity(n)` /
//!   `Vec::new()` filled by `push`, written by index and read by index or iteration, like local
//!   arrays; declared anywhere: at the function's level (also in an `if` arm, or after an early
//!   `return` such as `if data.is_empty() { return 0.0; }`), and in a loop body or an `if` or
//!   `match` arm of one, made again by each iteration that reaches it
//!   (`for x in data { let mut lp = vec![0.0; k]; .. }`,
//!   `let terms: Vec<f64> = w.iter().map(|wj| wj * x).collect();`, `Vec::with_capacity(k)` then
//!   `push`). The backward pass makes an iteration's buffer again and reuses one adjoint `Vec`
//!   for all iterations.
//! - `let (s, c) = x.sin_cos();`, `%` and `rem_euclid` on floats, `assert!`, `assert_eq!`,
//!   `debug_assert!` (and kin) and `println!` (and kin) on any values: they run, and carry no
//!   gradient.
//! - Predicates of floats (`x.is_nan()`, `x.is_sign_negative()`), comparisons, and integers cast
//!   from differentiated values (`x.abs() as usize % 2`) are constants wherever they appear.
//!
//! ```
//! use gradmacro::differentiate;
//!
//! /// A mixture-style objective, written the way a statistician would.
//! #[differentiate(wrt(mu, w))]
//! fn objective(mu: f64, w: &[f64], data: &[f64]) -> f64 {
//!     let sq = |v: f64| v * v;
//!     let m = w.iter().copied().max_by(f64::total_cmp).unwrap();
//!     let lse = m + w.iter().map(|x| (x - m).exp()).sum::<f64>().ln();
//!     let fit: f64 = data.iter().map(|x| sq(x - mu)).sum();
//!     let mut y = mu;
//!     let damped = loop {
//!         y *= 0.5;
//!         if y.abs() < 0.1 {
//!             break y;
//!         }
//!     };
//!     lse + fit + damped
//! }
//!
//! let (w, data) = ([0.5, -1.0, 2.0], [0.1, 0.4]);
//! let (_, dmu, dw) = objective_grad(1.0, &w, &data);
//! // 2 (mu - 0.1) + 2 (mu - 0.4) + 1/16 (four halvings) at mu = 1; softmax for w.
//! assert!((dmu - (1.8 + 1.2 + 0.0625)).abs() < 1e-12);
//! let z: f64 = w.iter().map(|x| x.exp()).sum();
//! assert!((dw[2] - 2.0_f64.exp() / z).abs() < 1e-12);
//! ```
//!
//! **The activity rule.** A value is constant only if nothing it is computed from is active: not
//! its arguments, its receiver, nor any closure, block or macro argument inside it (a comparison,
//! a cast to an integer and an array's length carry no derivative); every other value is
//! differentiated or the function is rejected, so no function that compiles gets a gradient that
//! differs from the exact derivative of what it computes (away from kinks). `f_grad`'s doc comment
//! lists the parameters it treats as constants.
//!
//! ```
//! use gradmacro::differentiate;
//!
//! /// softplus(x) = ln(1 + e^x), computed without overflow: a hand-written gate.
//! fn softplus(x: f64) -> f64 {
//!     softplus_grad(x).0
//! }
//!
//! fn softplus_grad(x: f64) -> (f64, f64) {
//!     let value = if x > 30.0 { x } else { x.exp().ln_1p() };
//!     (value, 1.0 / (1.0 + (-x).exp()))
//! }
//!
//! #[differentiate]
//! fn sig(x: f64) -> f64 {
//!     1.0 / (1.0 + (-x).exp())
//! }
//!
//! #[differentiate]
//! fn model(w: f64, b: f64) -> f64 {
//!     softplus(w * 2.0 + b) + sig(w)
//! }
//!
//! let (_, dw, db) = model_grad(0.5, -1.0);
//! let s = |x: f64| 1.0 / (1.0 + (-x).exp());
//! assert!((dw - (2.0 * s(0.0) + s(0.5) * (1.0 - s(0.5)))).abs() < 1e-12);
//! assert!((db - s(0.0)).abs() < 1e-12);
//! ```
//!
//! ## Forward mode
//! `#[differentiate(forward)]` (combined with `wrt(...)` as `#[differentiate(wrt(a), forward)]`)
//! adds, beside `f_grad`, `f_jvp(args.., t_a, ..) -> (value, derivative)`: the value, bit-identical
//! to `f`'s, and the directional derivative `∂f/∂a · t_a + ...` along one tangent per active
//! parameter, in declaration order after the arguments. A tangent has its parameter's gradient
//! type, except that a slice or `Vec` parameter takes a slice (`&[F]`, of the same length:
//! `f_jvp` panics otherwise), so that nothing is allocated. The tangent statements run beside the
//! forward statements in one pass with no tape, for every construct `f_grad` accepts, with the
//! same local derivatives and the same conventions at kinks. A call `g(args)` with a
//! differentiated argument goes through `g_jvp(args.., tangents..)`: `g` is
//! `#[differentiate(forward)]` too, or you write `g_jvp` by hand (a missing one is a "cannot find
//! function `g_jvp`" error at the call). One `f_jvp` call gives one directional derivative: use it
//! when there are few directions (or few inputs), `f_grad` when there are many inputs.
//!
//! ```
//! use gradmacro::differentiate;
//!
//! #[differentiate(forward)]
//! fn bump(a: f64, w: [f64; 2]) -> f64 {
//!     let s = a * w[0] + w[1];
//!     s.tanh()
//! }
//!
//! let (v, d) = bump_jvp(0.5, [2.0, -1.0], 1.0, [0.0, 0.0]); // d/da
//! assert_eq!(v.to_bits(), bump(0.5, [2.0, -1.0]).to_bits());
//! // s = 0: tanh'(0) = 1, ds/da = w[0] = 2
//! assert!((d - 2.0).abs() < 1e-12);
//! let (_, da, dw) = bump_grad(0.5, [2.0, -1.0]);
//! let (_, along) = bump_jvp(0.5, [2.0, -1.0], 0.3, [1.0, -2.0]);
//! assert!((along - (da * 0.3 + dw[0] - 2.0 * dw[1])).abs() < 1e-12);
//! ```
//!
//! ## Second order
//! `#[differentiate(hessian)]` (combined with the others as
//! `#[differentiate(wrt(x), hessian, forward)]`) adds, beside `f_grad`:
//!
//! - `f_hvp(args.., v_a, ..) -> (value, gradient.., H·v..)`: the value, bit-identical to `f`'s,
//!   the gradient (one part per active parameter, as `f_grad` returns it) and the product of the
//!   Hessian with the direction `v` (one direction per active parameter, of its gradient's type;
//!   a slice's must have its length: `f_hvp` panics otherwise), split the same way. One
//!   forward-over-reverse pass: `f_grad`'s own backward pass, run in a dual number
//!   (`gradmacro::__private::Dual`, value and one tangent) seeded with `v`, so its cost is a small
//!   constant times `f_grad`'s (about 2 to 4 times, see BENCHMARKS.md), whatever the number of
//!   inputs. The dual number's operations are generated from the same gate table as `f_grad`'s
//!   and `f_jvp`'s, with the same conventions at kinks (`max` selects, `abs` has slope 0 at 0).
//! - `f_hessian(args..) -> (value, gradient.., H)`: `H[i][j]` is the second derivative with
//!   respect to active components `i` and `j`, counted in declaration order with arrays
//!   flattened; a `[[F; K]; K]` when every active parameter is a float or an array of literal
//!   length (or the one active parameter is `[F; N]`), else `Vec<Vec<F>>`. Column `j` comes from
//!   one `f_hvp` pass along the unit direction `e_j`, so `f_hessian` costs `K` `f_hvp` passes.
//!   `H` is symmetric up to rounding: it is not symmetrised (`H[i][j]` and `H[j][i]` may differ in
//!   the last bits).
//!
//! A call `g(args)` with a differentiated argument goes through `g_hvp(args.., v..)`: `g` is
//! `#[differentiate(hessian)]` too, or you write `g_hvp` by hand (the call's value gets the
//! tangent `∇g · v`, each partial derivative the tangent `(H_g v)_a`, so the chain rule holds one
//! order up). Not yet under `hessian` (each a compile error that says so): functions returning a
//! vector, calls to vector-valued functions, and active structs, tuples and nested arrays. `hessian` needs the `std` feature (on by
//! default): the dual number's `exp`, `ln`, ... come from `std`.
//!
//! ```
//! use gradmacro::differentiate;
//!
//! #[differentiate(hessian)]
//! fn rosenbrock(x: f64, y: f64) -> f64 {
//!     (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x)
//! }
//!
//! let (value, dx, dy, h) = rosenbrock_hessian(1.0, 1.0);
//! assert_eq!((value, dx, dy), (0.0, 0.0, 0.0));
//! assert_eq!(h, [[802.0, -400.0], [-400.0, 200.0]]);
//! let (_, _, _, hv_x, hv_y) = rosenbrock_hvp(1.0, 1.0, 1.0, 0.5);
//! assert_eq!((hv_x, hv_y), (602.0, -300.0));
//! ```
//!
//! ## Forward-mode `f_grad`
//! A loop that carries a value from one iteration into the next (`y = y.sin() * k + x`, a
//! time-stepping simulation) needs a tape for its backward pass. When every active parameter is
//! a float and there are at most 8 of them, `f_grad` runs in forward mode instead: the body
//! once, with the derivative of each value with respect to each parameter it depends on beside
//! it (a value that depends on `x` only carries one). No tape and no heap at any trip count, and
//! usually faster than the tape: 0.47× to 0.85× its time on loops of 100 steps with 2 to 8
//! parameters, but not always: a short loop whose steps divide by the carried value (eight
//! Heron steps `y = (y + a / y) / 2`) takes 1.3× to 2.9× the backward pass's time, whose
//! divisions are independent of each other (BENCHMARKS.md, "Forward-mode f_grad"). The
//! signature is the same and the value bit-identical to `f`'s; the gradient equals the backward
//! pass's up to rounding (the same products, summed in another order). A call `g(a, b)` with
//! differentiated float arguments goes through `g_grad` as in reverse mode, its partials giving
//! the call's derivative. Not chosen when a call passes a differentiated array or struct, or
//! calls a vector-valued function, when the body has an active local `Vec`, or when no loop
//! needs a tape (straight-line code and loops that only accumulate are as fast in reverse mode,
//! whatever the number of parameters). `#[differentiate(reverse)]` keeps the backward pass. Its rustdoc shows the code under
//! "Forward mode", `dy_dx` being `∂y/∂x`.
//!
//! ```
//! use gradmacro::differentiate;
//!
//! #[differentiate]
//! fn iterate(x: f64, k: f64, steps: usize) -> f64 {
//!     let mut y = x;
//!     for _ in 0..steps {
//!         y = y.sin() * k + x;
//!     }
//!     y
//! }
//!
//! // 10⁶ steps, nothing stored: forward mode carries (∂y/∂x, ∂y/∂k) beside `y`.
//! let (y, dx, dk) = iterate_grad(0.4, 0.9, 1_000_000);
//! assert_eq!(y, iterate(0.4, 0.9, 1_000_000));
//! let h = 1e-6;
//! let fd = (iterate(0.4, 0.9 + h, 1_000_000) - iterate(0.4, 0.9 - h, 1_000_000)) / (2.0 * h);
//! assert!((dk - fd).abs() < 1e-6 * fd.abs().max(1.0));
//! # let _ = dx;
//! ```
//!
//! ## Long loops: checkpointing
//! A loop that carries a value from one iteration into the next keeps a tape of what its
//! backward pass needs: its length grows with the trip count `n` (10⁷ steps of two floats:
//! 160 MB). `#[differentiate(checkpoint)]`
//! (combined with the others as `#[differentiate(wrt(x), checkpoint, hessian)]`) runs such loops
//! with two-level checkpointing instead: the forward pass saves the loop's state (its carried
//! variables and its iterator) every `c = ⌈√n⌉` iterations; the backward pass runs each segment
//! again from its snapshot, last segment first, into a tape of at most `c` entries that it then
//! pops. Memory: about `2√n` entries instead of `n` (at `n = 10⁶`, 40 kB instead of 16 MB, see
//! BENCHMARKS.md); cost: the loop body's forward code runs twice, once more per iteration than
//! the plain tape. The gradient is bit-identical to the one without `checkpoint` (the segments
//! run the same operations in the same order).
//!
//! Checkpointed: loops at the function's top level that the plain reversal tapes, over a range
//! (`for i in a..b`), over the elements of a slice, array or `Vec` parameter (`for &w in ws`,
//! `ws.iter()`, with `enumerate`, `zip`, `rev`, `skip`, `take`, `step_by`), and `while` and
//! `loop` loops, with `break`, `continue` and `return` inside, whose body computes values, with
//! `if`s and calls, and carries any number of variables (floats, integer counters). A `while`
//! loop's trip count is not known when it starts: its segments start at one iteration and
//! double whenever the snapshots outnumber twice the segment length, which keeps about
//! `2√(2n)` entries. Every other loop keeps the plain tape under the option, with the same
//! gradient: loops that write, declare or push to a local array, loops nested in another loop or
//! containing one, loops inside an `if` arm (or after an early `return`, which puts the rest of
//! the function in one), and loops over a local array or an owned iterator.
//! Loops the backward pass recomputes (sums over data) need no tape and are not changed. A
//! function that gets a forward-mode `f_grad` (above) keeps it under `checkpoint` (it stores
//! nothing); `reverse, checkpoint` checkpoints its backward pass instead, as here.
//!
//! ```
//! use gradmacro::differentiate;
//!
//! #[differentiate(reverse, checkpoint)]
//! fn simulate(x: f64, k: f64, steps: usize) -> f64 {
//!     let mut y = x;
//!     for _ in 0..steps {
//!         y = y.sin() * k + x;
//!     }
//!     y
//! }
//!
//! // 10⁶ steps: about 2000 tape and snapshot entries live at once, not 10⁶.
//! let (y, dx, dk) = simulate_grad(0.4, 0.9, 1_000_000);
//! assert_eq!(y, simulate(0.4, 0.9, 1_000_000));
//! let h = 1e-6;
//! let fd = (simulate(0.4, 0.9 + h, 1_000_000) - simulate(0.4, 0.9 - h, 1_000_000)) / (2.0 * h);
//! assert!((dk - fd).abs() < 1e-6 * fd.abs().max(1.0));
//! # let _ = dx;
//! ```
//!
//! ## Generic functions
//! A function generic over its float type, `fn f<F: num_traits::Float>(..) -> F` (the bound may
//! add `FloatConst`, `Debug`, ..., inline or in a `where` clause; const generics as usual), gets
//! companions generic over the same `F`, with your generics and `where` clause:
//! `fn f_grad<F: num_traits::Float>(..) -> (F, ..)`, `f_jvp` with `forward`, `f_vjp` and
//! `f_jacobian` for an array or tuple output, `f_hvp` and `f_hessian` with `hessian` (which add
//! the bound `F: gradmacro::__private::DualFloat`, what their dual number needs of `F`: `f64`
//! and `f32` have it). One function then serves `f32` and `f64`.
//! Parameters `F`, `[F; N]`, `&[F]`, `&Vec<F>`, `Vec<F>` are active as their `f64` counterparts
//! are. Write constants as num-traits users do: `F::one()`, `F::zero()`, `F::epsilon()`,
//! `F::PI()` (`FloatConst`), `F::from(0.5).unwrap()`, `F::from(i).unwrap()` for an integer `i`
//! (also with `.expect(..)`): they carry no gradient. The gates are the float methods
//! `num_traits::Float` has, in method form (`x.sin()`) or path form (`F::sin(x)`). The
//! companions compute exactly what the `f64` version computes: `f_grad::<f64>` returns the bits
//! the same function written for `f64` returns, at the same speed (the macro's constants fold to
//! literals).
//!
//! Rejected, each with a spanned error: `F::from(x)` (or `to_f64`, `NumCast::from`, ...) of a
//! differentiated `x`, which would cut its gradient (`x` is already an `F`: use it as it is); a
//! call `F::g(x)` of anything else with a differentiated argument; the gates `num_traits::Float`
//! lacks (`rem_euclid`, `div_euclid`, `round_ties_even`); a second type parameter.
//! A local of a concrete float type inside a generic function (`let k: f64 = 2.0;`) does not
//! work in the companions: compute constants as `F` values.
//!
//! ```
//! use gradmacro::differentiate;
//! use num_traits::{Float, FloatConst};
//!
//! #[differentiate(forward)]
//! fn wave<F: Float + FloatConst>(a: F, xs: &[F]) -> F {
//!     let mut s = F::zero();
//!     for (i, x) in xs.iter().enumerate() {
//!         s = s + (a * *x * F::PI()).sin() / F::from(i + 1).unwrap();
//!     }
//!     s * F::from(0.5).unwrap()
//! }
//!
//! let (v64, da64, dx64) = wave_grad(0.3_f64, &[1.0, 2.0]);
//! let (v32, da32, _) = wave_grad(0.3_f32, &[1.0, 2.0]);
//! assert_eq!(v64.to_bits(), wave(0.3_f64, &[1.0, 2.0]).to_bits());
//! assert!((f64::from(v32) - v64).abs() < 1e-6 && (f64::from(da32) - da64).abs() < 1e-5);
//! let pi = std::f64::consts::PI;
//! let want = 0.5 * (pi * (0.3 * pi).cos() + 2.0 * pi * (0.6 * pi).cos() / 2.0);
//! assert!((da64 - want).abs() < 1e-12);
//! assert!((dx64[0] - 0.5 * 0.3 * pi * (0.3 * pi).cos()).abs() < 1e-12);
//! let (_, d) = wave_jvp(0.3_f64, &[1.0, 2.0], 1.0, &[0.0, 0.0]);
//! assert!((d - da64).abs() < 1e-12);
//! ```
//!
//! ## Vector outputs
//! A function returning an array `[F; N]` (`N` written as a number), a tuple of floats
//! `(F, F, ..)` or a `Vec<F>` (below) gets two companions instead of `f_grad`:
//!
//! - `f_vjp(args.., seed) -> (value, G1, .., Gk)`: one reverse pass seeded with the output's
//!   cotangent `seed` (same type as the value); each gradient is that of `Σ seed[i] · value[i]`.
//! - `f_jacobian(args..) -> (value, J1, .., Jk)`: `Jp = [Gp; N]` whose row `i` is the gradient of
//!   output `i` (for a tuple output, a tuple of `Gp`). One reverse pass per output: the forward
//!   pass runs once when the body has no loops, once per output otherwise.
//!
//! The value is bit-identical to `f`'s. It may be an array or tuple literal, a local array, the
//! result of a vector-valued call, returned from branches, after loops or early. A component of
//! the seed that is exactly 0 contributes nothing, even where its output's derivative is
//! infinite, so a row of the Jacobian never picks up NaN from another output.
//!
//! A differentiated function calls a vector-valued `g` through `g_vjp`, generated or written by
//! hand (a custom gate): `let [x, y] = g(..);`, `let (u, v) = g(..);`, `let r: [f64; 3] = g(..);`,
//! or `let r = g(..);` followed by reads `r[0]`, `for x in r`, `r.iter()`, `r.len()`. A result
//! that is only passed on whole needs its type (`let oc: [f64; 3] = sub(c, o); cross(oc, d)`,
//! also for a call nested in another's arguments: the macro cannot see `g`'s return type, and
//! without one the call is compiled as a float call, `g_grad`); in a loop or branch, or after an early
//! `return`, so does an untyped one read by index. `g_vjp` is called in the backward pass with the arguments again: pass
//! `Vec`s by reference.
//!
//! ```
//! use gradmacro::differentiate;
//!
//! #[differentiate]
//! fn fk(q1: f64, q2: f64) -> [f64; 2] {
//!     let (l1, l2) = (1.0, 0.5);
//!     [l1 * q1.cos() + l2 * (q1 + q2).cos(), l1 * q1.sin() + l2 * (q1 + q2).sin()]
//! }
//!
//! let (p, j1, j2) = fk_jacobian(0.3, 0.6);
//! assert_eq!(p, fk(0.3, 0.6));
//! assert!((j2[0] - -0.5 * 0.9_f64.sin()).abs() < 1e-12); // dx/dq2
//! assert!((j1[1] - (0.3_f64.cos() + 0.5 * 0.9_f64.cos())).abs() < 1e-12); // dy/dq1
//!
//! let (_, g1, g2) = fk_vjp(0.3, 0.6, [1.0, 0.0]); // the gradient of x
//! assert_eq!((g1, g2), (j1[0], j2[0]));
//!
//! // Called from a differentiated function through `fk_vjp`:
//! #[differentiate]
//! fn reach(q1: f64, q2: f64) -> f64 {
//!     let [x, y] = fk(q1, q2);
//!     (x * x + y * y).sqrt()
//! }
//! let (_, d1, _) = reach_grad(0.3, 0.6);
//! assert!(d1.abs() < 1e-12); // the reach does not depend on q1
//! ```
//!
//! ### `Vec` outputs
//! A function returning `Vec<F>`, whose length is known only when it runs (residuals of a data
//! set, say), gets
//!
//! - `f_vjp(args.., seed: Vec<F>) -> (Vec<F>, G1, .., Gk)`: one reverse pass seeded with `seed`.
//!   It panics (an `assert_eq!` with a message naming `f_vjp`) if `seed.len()` is not the length
//!   of the `Vec` `f` returns for those arguments.
//! - `f_jacobian(args..) -> (Vec<F>, Vec<G1>, .., Vec<Gk>)`: one row per output, row `i` the
//!   gradient of output `i`. It runs the forward and the backward pass once per output (once for
//!   an empty output): `n` outputs cost about `n` evaluations of `f_vjp`.
//!
//! The seed is taken by value, as the `[F; N]` companions take theirs, so that a differentiated
//! caller hands its adjoint on without copying it.
//!
//! The value is returned in a buffer the body builds, and bit-identical to `f`'s:
//!
//! - a local buffer by name, as the tail expression or `return r;`: `vec![0.0; n]` or
//!   `vec![a, b]` written by index (`r[i] = ..`), or `Vec::with_capacity(n)` / `Vec::new()`
//!   grown by `push` (also after an early `return` from inside a loop, of a buffer declared
//!   before it);
//! - a `vec![..]` literal;
//! - the `.collect()` of an iterator chain, `.collect::<Vec<f64>>()` or
//!   `let r: Vec<f64> = ..collect(); r` (with `filter` too);
//! - the result of a call to a `Vec`-valued function, through its `g_vjp`;
//! - a copy: `x.to_vec()` of a slice, `Vec` or array (a parameter or a local array or buffer),
//!   `x.to_owned()` of a slice or `Vec`, `v.clone()` of a `Vec` parameter taken by value or of a
//!   local buffer; also bound by `let` and then written (`let mut r = x.to_vec(); r[0] *= a;
//!   r`). A differentiated copy's adjoint flows back to its source element by element. A copy
//!   only iterated (`x.to_vec().iter().sum()`, `for v in x.to_owned()`) iterates `x` itself: no
//!   copy is made;
//! - different buffers from different `return`s or arms (`if c { vec![x] } else { r }`): the
//!   companions pick the one returned at run time.
//!
//! Anything else returned as a `Vec` (a differentiated parameter itself, `x[1..].to_vec()`) is a
//! compile error on the returned expression that lists these forms; a copy of a differentiated
//! array elsewhere than a `let` initialiser or the returned value (`g(&x.to_vec())`), or
//! `.clone()` of a `&[F]` (a reference, not a `Vec`), is a compile error saying to bind
//! `x.to_vec()` to a name. So is a new
//! `Vec` (a literal, a `collect`) returned from inside a loop: declare the buffer before the loop,
//! fill it and `return r;`. A buffer declared inside a loop cannot be returned either.
//!
//! A differentiated function calls a `Vec`-valued `g` through `g_vjp(args.., seed: Vec<F>)` at
//! its top level: `let r = g(..);` read as `r[i]`, `r.iter()`, `r.len()`, or
//! `let r: Vec<f64> = g(..);`. Inside a loop or an `if` arm such a call is a compile error
//! (call it before).
//!
//! ```
//! use gradmacro::differentiate;
//!
//! #[differentiate(wrt(p))]
//! fn residuals(p: &[f64], xs: &[f64], ys: &[f64]) -> Vec<f64> {
//!     xs.iter().zip(ys).map(|(x, y)| p[0] * (p[1] * x).exp() - y).collect()
//! }
//!
//! let (xs, ys) = ([0.0, 1.0, 2.0], [1.0, 2.5, 7.0]);
//! let (r, jp) = residuals_jacobian(&[1.0, 1.0], &xs, &ys);
//! assert_eq!(r, residuals(&[1.0, 1.0], &xs, &ys));
//! assert_eq!(jp.len(), 3); // one row per residual
//! assert_eq!(jp[2], vec![2.0_f64.exp(), 2.0 * 2.0_f64.exp()]); // ∂r2/∂p0, ∂r2/∂p1
//!
//! // Jᵀr, the gradient of ½|r|², in one reverse pass:
//! let (_, g) = residuals_vjp(&[1.0, 1.0], &xs, &ys, r.clone());
//! let jtr0: f64 = (0..3).map(|i| jp[i][0] * r[i]).sum();
//! assert!((g[0] - jtr0).abs() < 1e-12);
//! ```
//!
//! Not yet: a `Vec<F>` output, an array length that is a constant or generic parameter.
//!
//! ## Nested arrays
//! Named in `wrt(...)`, a nested float array is differentiated: `&[[F; D]]`, `&Vec<[F; D]>`,
//! `Vec<[F; D]>` (gradient `Vec<[F; D]>` of the same length), `[[F; D]; N]`, `&[[F; D]; N]`
//! (gradient `[[F; D]; N]`), `&[Vec<F>]`, `&Vec<Vec<F>>`, `Vec<Vec<F>>` (gradient `Vec<Vec<F>>`
//! shaped like the argument). Without `wrt` they stay constant data, as before. Read elements
//! as `a[i][j]`; a row of a fixed width `D` (written as a number) can also be bound,
//! `let [x, y] = a[i];` or `let r = a[i];`, and iterated, `for &[x, y] in a`,
//! `for r in a.iter()`, `a.iter().map(|r| ..)`; one row is iterated as an array, of any width:
//! `w[j].iter().zip(x).map(|(a, b)| a * b).sum()` (a layer's weights), `for &a in &w[j]`. The
//! adjoint is accumulated straight into the
//! gradient (`d_a[i][j] += ..`): nothing is flattened or copied. With `forward`, the tangent has
//! the gradient's shape (`&[[F; D]]` and `&[Vec<F>]` for the unsized ones). Not yet: passing a
//! whole nested array to a function, binding a row of a `Vec<Vec<F>>` to a name.
//!
//! ```
//! use gradmacro::differentiate;
//!
//! /// A chain of springs between 2-D points.
//! #[differentiate(wrt(pos))]
//! fn energy(pos: &[[f64; 2]], k: f64) -> f64 {
//!     let mut e = 0.0;
//!     for i in 1..pos.len() {
//!         let [x0, y0] = pos[i - 1];
//!         let [x1, y1] = pos[i];
//!         e += 0.5 * k * ((x1 - x0).powi(2) + (y1 - y0).powi(2));
//!     }
//!     e
//! }
//!
//! let pos = [[0.0, 0.0], [1.0, 2.0]];
//! let (_, g) = energy_grad(&pos, 3.0); // g: Vec<[f64; 2]>, minus the forces
//! assert_eq!(g, vec![[-3.0, -6.0], [3.0, 6.0]]);
//! ```
//!
//! ## Structs
//! `#[derive(gradmacro::Differentiable)]` on a struct with named fields makes a parameter of
//! its type (`p: Particle` or `p: &Particle`), a slice or `Vec` of them (`ps: &[Particle]`,
//! `&Vec<Particle>`, `Vec<Particle>`) and a method's receiver (`self`, `&self`) differentiable
//! when named in `wrt(...)` (`wrt(self, x)` for the receiver). The gradient of a struct is a
//! struct of the same type: float-valued fields (`f32`/`f64`, arrays and `Vec`s of them) hold the
//! partial derivatives, fields whose type also derives `Differentiable` hold their own gradient
//! (nested structs), every other field is cloned from the argument (so those fields must be
//! `Clone`). A slice of structs gets a `Vec` of them, one per element.
//!
//! In the body, read fields through names, then indices into a float array field: `p.x`,
//! `p.v[k]`, `b.pos.x` (a nested struct), `self.w[j]`, `ps[i].x`, and through a name bound to an
//! element: `for p in ps { p.x }`, `let p = &ps[i];`, `ps.iter().map(|p| p.m * p.x).sum()`,
//! `.enumerate()`, `.zip(..)`; iterate a float array field as an array: `self.w.iter().zip(x)`,
//! `for v in &p.v`, `for v in p.w` (an array field, copied), `p.v[1..].iter()`,
//! `ps[i].v.iter().map(..)`. Integer and `bool` fields are constants, read where Rust wants an
//! integer or a `bool` (`for i in 0..p.n`, `p.v[p.n - 1]`, `let n: usize = p.n;`,
//! `if p.fixed`, `p.w.len()`) and converted as Rust converts (`p.n as f64`, `f64::from(p.k)`); an
//! `f32` field read in an `f64` function (`f64::from(p.k)`, `p.k as f64`) takes its derivative,
//! rounded to `f32`. The macro cannot see a field's type: convert fields one by one
//! (`(p.n / p.m) as f64` and `f64::from(p.w * p.w)` are errors: bind the integer first,
//! `let q: usize = p.n / p.m;`), and pass an integer field to another function as
//! `let n: usize = p.n;` then `g(x, n)` (a field passed bare is a float argument there). A loop over an array field must not assign what selects it
//! (`for a in ps[i].v.iter() { i += 1; }` is an error: Rust reads `i` once, the macro's index
//! loop would not). With `forward`, the tangent is a `&Particle` (`&[Particle]` for a
//! slice; its constant fields are ignored).
//!
//! A differentiated struct may be passed whole to another differentiated function that names the
//! parameter in its `wrt(...)`: `energy(p, g)`, `energy(&ps[i], g)`, `for p in ps { s +=
//! energy(p, g); }`, and a method with `wrt(self, ..)` may be called on it: `p.ke()`,
//! `ps.iter().map(|p| p.ke()).sum()`. The callee's struct gradient is added to the caller's
//! (to element `i` of a slice's), scaled by the call's adjoint; the same struct passed twice gets
//! both. Such a call goes through a hidden companion every differentiated function with a struct
//! parameter or a receiver gets for it (`__energy_grad_for_struct_args`: a place for every
//! parameter, its gradient when it is in `wrt`), so it is a compile error, never a dropped
//! gradient, when the callee does not differentiate with respect to the struct ("this `Particle`
//! is differentiated here, but the function called does not differentiate with respect to the
//! parameter it is passed to", at the argument) or to a float argument that is differentiated
//! in the caller ("this argument is differentiated here, but the function called does not
//! differentiate with respect to its parameter"). A function without `#[differentiate]` has no
//! companion: passing it a differentiated struct is "cannot find function
//! `__energy_grad_for_struct_args`", at its name. Not yet: such calls in a function with `forward` (an
//! error at the call) or `hessian` (as for every call), in a generic function, or to a function
//! returning a vector; a struct whose `Differentiable` is written by hand (the caller adds
//! gradients through code the derive writes).
//!
//! Rejected, with an error saying what to write: a struct
//! without the derive named in `wrt`, a struct (or an element of a slice of structs) used whole
//! other than as a call's argument or receiver (`let q = p;`), destructuring an element
//! (`for Particle { x, .. } in ps`), fields of elements of a field (`p.items[0].x`), `wrt(self)`
//! on a function without a receiver or with `self: Box<Self>`.
//!
//! ```
//! use gradmacro::{Differentiable, differentiate};
//!
//! #[derive(Differentiable, Clone)]
//! struct Particle {
//!     x: f64,
//!     v: [f64; 2],
//!     mass: f64,
//!     id: usize,
//! }
//!
//! #[differentiate(wrt(p))]
//! fn energy(p: &Particle, g: f64) -> f64 {
//!     0.5 * p.mass * (p.v[0] * p.v[0] + p.v[1] * p.v[1]) + p.mass * g * p.x
//! }
//!
//! let p = Particle { x: 2.0, v: [1.0, -3.0], mass: 0.5, id: 7 };
//! let (_, d) = energy_grad(&p, 10.0); // d: Particle
//! assert_eq!((d.x, d.v, d.mass, d.id), (5.0, [0.5, -1.5], 25.0, 7));
//!
//! // A slice of structs: springs between consecutive particles, gradient `Vec<Particle>`.
//! #[differentiate(wrt(ps))]
//! fn springs(ps: &[Particle], k: f64) -> f64 {
//!     let mut e = 0.0;
//!     for i in 1..ps.len() {
//!         let d = ps[i].x - ps[i - 1].x;
//!         e += 0.5 * k * d * d;
//!     }
//!     e + ps.iter().map(|p| p.mass * p.v[0]).sum::<f64>()
//! }
//!
//! let ps = vec![p.clone(), Particle { x: 3.0, v: [2.0, 0.0], mass: 1.0, id: 8 }];
//! let (_, d) = springs_grad(&ps, 4.0); // d: Vec<Particle>
//! assert_eq!((d[0].x, d[1].x, d[1].mass, d[1].id), (-4.0, 4.0, 2.0, 8));
//! ```
//!
//! Nested structs and methods: the companion of a method is a method of the same `impl` (so the
//! method belongs in an inherent `impl T`, not in a trait's `impl Trait for T`, where
//! `loss_grad` would not be a member of the trait).
//!
//! ```
//! use gradmacro::{Differentiable, differentiate};
//!
//! #[derive(Differentiable, Clone)]
//! struct Vec2 {
//!     x: f64,
//!     y: f64,
//! }
//!
//! #[derive(Differentiable, Clone)]
//! struct Line {
//!     dir: Vec2,
//!     offset: f64,
//! }
//!
//! impl Line {
//!     #[differentiate(wrt(self, t))]
//!     fn loss(&self, t: f64, y: f64) -> f64 {
//!         let r = self.dir.x * t + self.dir.y + self.offset - y;
//!         r * r
//!     }
//! }
//!
//! let line = Line { dir: Vec2 { x: 2.0, y: 1.0 }, offset: 0.5 };
//! let (l, d, dt) = line.loss_grad(1.0, 3.0); // r = 0.5
//! assert_eq!((l, d.dir.x, d.dir.y, d.offset, dt), (0.25, 1.0, 1.0, 1.0, 2.0));
//! ```
//!
//! ## Where a function is not differentiable
//! `max`/`min` give the gradient to the selected input and half to each on a tie; `clamp` is
//! like nested `max`/`min`; `abs` has slope 0 at 0; `signum, floor, ceil, round, trunc` slope 0
//! everywhere. `sqrt` and `ln` at 0 and division by 0 give what IEEE arithmetic gives (inf, NaN),
//! never a panic; NaN and infinities propagate along every path the result depends on. A value
//! the result does not depend on at the point of evaluation (computed before a branch and used
//! only on the path not taken, an array element never read, the input a `max` does not select)
//! gets an adjoint of exactly 0, and the backward pass skips what would only spread that 0:
//! `let r = x.sqrt(); if x > 0.0 { r } else { x }` has slope 1 at `x = 0`, not the `0 * inf =
//! NaN` that JAX users know.
//!
//! ## What is rejected
//! Anything else is a compile error spanned on your code, saying what is unsupported and what to
//! write instead, never a panic: other return types (a `Vec` output, an array length that is not
//! a number), `&mut` parameters, a `wrt(...)` naming an
//! unknown or non-float parameter, unknown attribute arguments, the attribute on anything but a
//! function, `async`/`const`/`unsafe`/`extern` functions, generic type parameters other than
//! one float type `F: num_traits::Float` (see above) and const generics, macros other
//! than those above, a closure that escapes (stored in a struct, returned, passed to a function
//! the macro cannot see into, a `Box<dyn Fn>`), `return` inside a closure, iterator chains of
//! other shapes (`windows`, an adaptor after a closure), `match` on a
//! differentiated value, mutating a local `Vec` other than by index or `push`, casts of differentiated values to
//! types other than the float type and primitive integers, `unsafe` blocks, ... All errors of
//! a function are reported together; the original
//! function and a `f_grad` with the right signature are still emitted, so one mistake does not
//! cascade into "cannot find function" errors.
//!
//! ## Generated code
//! Warning-free under `#![deny(warnings)]` and `clippy::pedantic`, no `unsafe`, absolute paths
//! only (`::core::...`, `::gradmacro::__private::...`, so depend on this crate under its own
//! name), hygienic internal names. Straight-line code and loops that only read fixed values and
//! accumulate allocate nothing (their iterations are recomputed in the backward pass); loops that
//! carry a value from one iteration into the next run in forward mode (few float parameters, see
//! "Forward-mode `f_grad`") or keep the values the backward pass needs on a
//! `Vec` tape sized up front, or, under `checkpoint`, snapshots every `⌈√n⌉` iterations and a
//! tape of one segment (see "Long loops: checkpointing"). In a loop nest, the backward pass of the
//! outermost taped loop runs one iteration's forward again, and the loops inside it pop the
//! tapes that run pushed instead of each level running the levels below it again (where the
//! inner loops put back what they write; otherwise a level replays its own inner loops).
//!
//! `f` itself is emitted exactly as written, with one attribute added: `#[allow(dead_code)]`,
//! because calling only `f_grad` is a use of `f`; when neither is called, `f_grad` still warns.
//!
//! ## Reading the derivative
//! `f_grad`'s rustdoc shows, under "Backward pass" (or "Forward mode", where it runs in forward
//! mode, with `dq_da` the derivative of `q` with respect to `a`), the code generated for it, pretty-printed
//! with readable names: a value bound to your variable `q` is `q` (`q_1`, `q_2`, ... for the
//! later values of a reassigned or shadowed `q`, `q_carried` for a variable carried across loop
//! iterations), `d_q` its derivative and `d_a` the derivative with respect to parameter `a`;
//! `t1`, `t2`, ... are the other intermediates in the order they are computed, `out` the value
//! returned when it is none of your variables and `d_out` its seed (the real code's names are
//! hygienic; only the doc is renamed). A body longer than
//! 400 lines is cut there; `cargo run -p gradmacro-show -- FILE.rs [FN]` in this crate's
//! repository prints the full expansion of every `#[differentiate]` function of a file.
//!
//! ## `no_std`
//! This crate is `#![no_std]` and generated code names only `core` and `alloc` (the `Vec`
//! gradients), so the macro works in a `#![no_std]` crate with `extern crate alloc;`, on the
//! float operations `core` provides (`+ - * /`, `abs`, `max`, `min`, `clamp`, `signum`, ...).
//! `hessian` needs the default feature `std`; depend with `default-features = false` in a
//! `#![no_std]` crate (`f_grad`, `f_jvp`, `f_vjp` and `f_jacobian` need nothing more).
//!
//! ## argmin
//! With the feature `argmin`, `gradmacro::argmin::Objective` makes a generated `f_grad`
//! an argmin `CostFunction` + `Gradient`, answering the cost and the gradient at one point from
//! one `f_grad` call.
//!
//! [`check`] holds the guide's numerical gradient check, to test your own gates.
//!
//! ## nalgebra
//! With the feature `nalgebra`, parameters and results of nalgebra's `SVector<F, N>`
//! (`Vector2<F>`..`Vector6<F>`, `N` a number) and `DVector<F>`, by value or behind `&`, are
//! differentiated; each gradient is a vector of the parameter's type (an `f_jacobian` row, a
//! `f_vjp` seed, a `f_hvp` direction likewise; `f_jvp` takes a `DVector`'s tangent as
//! `&DVector<F>`). The body is written with nalgebra: `+`, `-`, `* s`, `/ s`, `-v`, `cross`,
//! `normalize`, `component_mul`, `component_div`, `scale`, `unscale`, `VectorN::new(..)`,
//! `zeros()`, `repeat(s)`, `from([..])`, `+= -= *= /=` on `let mut` vectors, `dot`, `norm`,
//! `norm_squared`, `sum`, `v.x`, `v[i]`, `v.len()`, `v.iter()`; a `DVector` by index, `iter()`
//! chains and its reductions. The function is differentiated as its *array twin* (a hidden copy
//! over `[F; N]` and slices whose vector expressions are written out per element), so its
//! gradient costs what the array version's does. A function taking or returning vectors is
//! called from another differentiated body through its twin, so it is `#[differentiate]`d too;
//! bind a vector-valued call with its type (`let m: Vector3<f64> = mid(a, b);`). Rejected with a
//! message: a vector passed whole to anything else, element-wise arithmetic on `DVector`s,
//! generic lengths, matrices.
//!
//! ```ignore
//! use nalgebra::Vector3;
//!
//! #[differentiate]
//! fn spring(p: Vector3<f64>, q: &Vector3<f64>, k: f64) -> f64 {
//!     let d = p - q;
//!     k * (d.norm() - 1.0).powi(2)
//! }
//! let (e, dp, dq, dk) = spring_grad(p, &q, 2.0); // dp, dq: Vector3<f64>
//! ```

#![no_std]

extern crate alloc;
#[cfg(any(test, feature = "std"))]
extern crate std;
// The gate table's rules name `::gradmacro::__private`; the dual number's methods, generated
// from them inside this crate, need that path to resolve here too.
extern crate self as gradmacro;

pub use gradmacro_impl::{Differentiable, differentiate};

/// A struct whose gradient is a value of the same struct: `#[derive(Differentiable)]` implements
/// it, and a parameter of the struct's type named in `#[differentiate(wrt(...))]` is then
/// differentiated (see the crate documentation, "Structs").
#[diagnostic::on_unimplemented(
    message = "`{Self}` is named in `wrt(...)` but does not implement `gradmacro::Differentiable`",
    label = "this parameter's gradient would be a `{Self}`",
    note = "add `#[derive(gradmacro::Differentiable)]` to the definition of `{Self}` (a struct with named fields), or leave the parameter out of `wrt(...)` to treat it as a constant"
)]
pub trait Differentiable: Sized {
    /// The gradient to start from for the argument `self`: float-valued fields (floats, arrays
    /// and `Vec`s of floats) are zeros of the same shape, the other fields are cloned.
    #[must_use]
    fn zero_gradient(&self) -> Self;
}

#[doc(hidden)]
pub mod __private {
    /// The `Vec` generated code names: tapes and the gradients of slices and `Vec`s.
    pub use ::alloc::vec::Vec;

    /// The snapshot store of `#[differentiate(checkpoint)]` loops.
    pub use crate::checkpoint::{Checkpoints, keep};

    /// The tapes of loops that carry values: the first entries on the stack (`Tape`), or all of
    /// them for a literal trip count (`StackTape`).
    pub use crate::tape::{StackTape, Tape};

    /// Conversions between nalgebra's vectors and the arrays the generated code computes with.
    #[cfg(feature = "nalgebra")]
    pub use crate::na;

    /// `f_hvp` and `f_hessian`'s dual number (value and one tangent) and its helpers; its
    /// transcendental methods need `std`.
    #[cfg(feature = "std")]
    pub use crate::dual::{
        Dual, DualFloat, Lift, Primal, Split, lift_array, lift_slice, tangent_dot, unit_array, unit_vec,
    };

    /// The float a loop item is or refers to (`f64` or `&f64`), as a taped loop keeps it: a
    /// tape of references would borrow what the loop iterates.
    #[inline]
    #[must_use]
    pub fn number<F: Copy, B: core::borrow::Borrow<F>>(b: B) -> F {
        *b.borrow()
    }

    /// Exact equality of two floats: where `max`, `min`, `clamp` and `abs` meet a tie or a kink,
    /// the contract's rules need an exact comparison.
    #[inline]
    #[must_use]
    pub fn tie<F: PartialEq>(a: F, b: F) -> bool {
        a == b
    }

    /// What a differentiated function expects back from a call `g_grad(args)`: `Expected` is
    /// `(value, one gradient per float argument)`.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not the `(value, gradients..)` this call expects: `{Expected}`",
        label = "this call is differentiated through its `_grad` companion",
        note = "a `_grad` companion returns the value, then one gradient for every float-valued parameter, in order",
        note = "a callee with `#[differentiate(wrt(...))]` returns fewer; call a version without `wrt`, or write its `_grad` by hand"
    )]
    pub trait Companion<Expected> {}

    impl<T> Companion<T> for T {}

    /// Checks the shape of a `_grad` companion's result, with a readable error.
    #[inline]
    pub fn companion<Expected, T: Companion<Expected>>(result: T) -> T {
        result
    }

    /// What a differentiated function expects back from a call `g_vjp(args, seed)`:
    /// `Expected` is `(value, one gradient per float argument)`.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not the `(value, gradients..)` this call expects: `{Expected}`",
        label = "this call to a vector-valued function is differentiated through its `_vjp` companion",
        note = "a `_vjp` companion takes the arguments and a seed shaped like the value, and returns the value, then one gradient for every float-valued parameter, in order",
        note = "a callee with `#[differentiate(wrt(...))]` returns fewer; call a version without `wrt`, or write its `_vjp` by hand"
    )]
    pub trait VjpCompanion<Expected> {}

    impl<T> VjpCompanion<T> for T {}

    /// Checks the shape of a `_vjp` companion's result, with a readable error.
    #[inline]
    pub fn vjp_companion<Expected, T: VjpCompanion<Expected>>(result: T) -> T {
        result
    }

    /// Zeros shaped like a value: the adjoint of a vector a call returned, whose length the
    /// macro does not know.
    pub trait ZerosLike {
        #[must_use]
        fn zeros_like(&self) -> Self;
    }

    impl ZerosLike for f64 {
        #[inline]
        fn zeros_like(&self) -> Self {
            0.0
        }
    }

    impl ZerosLike for f32 {
        #[inline]
        fn zeros_like(&self) -> Self {
            0.0
        }
    }

    impl<T: ZerosLike, const N: usize> ZerosLike for [T; N] {
        #[inline]
        fn zeros_like(&self) -> Self {
            self.each_ref().map(ZerosLike::zeros_like)
        }
    }

    impl<T: ZerosLike> ZerosLike for ::alloc::vec::Vec<T> {
        #[inline]
        fn zeros_like(&self) -> Self {
            self.iter().map(ZerosLike::zeros_like).collect()
        }
    }

    macro_rules! zeros_like_tuple {
        ($($t:ident $i:tt),+) => {
            impl<$($t: ZerosLike),+> ZerosLike for ($($t,)+) {
                #[inline]
                fn zeros_like(&self) -> Self {
                    ($(self.$i.zeros_like(),)+)
                }
            }
        };
    }
    zeros_like_tuple!(A 0);
    zeros_like_tuple!(A 0, B 1);
    zeros_like_tuple!(A 0, B 1, C 2);
    zeros_like_tuple!(A 0, B 1, C 2, D 3);
    zeros_like_tuple!(A 0, B 1, C 2, D 3, E 4);
    zeros_like_tuple!(A 0, B 1, C 2, D 3, E 4, G 5);
    zeros_like_tuple!(A 0, B 1, C 2, D 3, E 4, G 5, H 6);
    zeros_like_tuple!(A 0, B 1, C 2, D 3, E 4, G 5, H 6, I 7);

    /// Zeros shaped like `v`.
    #[inline]
    #[must_use]
    pub fn zeros_like<T: ZerosLike>(v: &T) -> T {
        v.zeros_like()
    }

    /// A loop's iterator handed out of the `if` arm that ran it, for the backward pass to iterate
    /// again: the other arm's place is `Default` (`None`) whatever the iterator (a `Zip` has no
    /// default of its own), and nesting it in more `if`s does not grow it.
    #[derive(Clone, Debug)]
    pub struct MaybeIter<I>(pub ::core::option::Option<I>);

    impl<I> Default for MaybeIter<I> {
        #[inline]
        fn default() -> Self {
            MaybeIter(::core::option::Option::None)
        }
    }

    impl<I: Iterator> Iterator for MaybeIter<I> {
        type Item = I::Item;

        #[inline]
        fn next(&mut self) -> ::core::option::Option<I::Item> {
            self.0.as_mut()?.next()
        }

        #[inline]
        fn size_hint(&self) -> (usize, ::core::option::Option<usize>) {
            self.0.as_ref().map_or((0, ::core::option::Option::Some(0)), Iterator::size_hint)
        }
    }

    impl<I: DoubleEndedIterator> DoubleEndedIterator for MaybeIter<I> {
        #[inline]
        fn next_back(&mut self) -> ::core::option::Option<I::Item> {
            self.0.as_mut()?.next_back()
        }
    }

    impl<I: ExactSizeIterator> ExactSizeIterator for MaybeIter<I> {}

    /// The tangent `f_jvp` passes to a callee's `_jvp` for an array argument: an array's tangent
    /// as the array (a `[F; N]` parameter) or as a slice, a slice's or a `Vec`'s as a slice,
    /// whichever the callee takes; `f_hvp` passes a callee's `_hvp` a slice's direction as a `Vec`.
    pub trait Tangent<'a, T> {
        fn tangent(&'a self) -> T;
    }

    impl<F: Copy, const N: usize> Tangent<'_, [F; N]> for [F; N] {
        #[inline]
        fn tangent(&self) -> [F; N] {
            *self
        }
    }

    impl<'a, F, const N: usize> Tangent<'a, &'a [F]> for [F; N] {
        #[inline]
        fn tangent(&'a self) -> &'a [F] {
            self
        }
    }

    impl<'a, F> Tangent<'a, &'a [F]> for [F] {
        #[inline]
        fn tangent(&'a self) -> &'a [F] {
            self
        }
    }

    impl<'a, F> Tangent<'a, &'a [F]> for ::alloc::vec::Vec<F> {
        #[inline]
        fn tangent(&'a self) -> &'a [F] {
            self
        }
    }

    // `f_hvp` passes a direction of the callee's gradient type: a slice's is a `Vec`.
    impl<F: Clone> Tangent<'_, ::alloc::vec::Vec<F>> for [F] {
        #[inline]
        fn tangent(&self) -> ::alloc::vec::Vec<F> {
            self.to_vec()
        }
    }

    impl<F: Clone, const N: usize> Tangent<'_, ::alloc::vec::Vec<F>> for [F; N] {
        #[inline]
        fn tangent(&self) -> ::alloc::vec::Vec<F> {
            self.to_vec()
        }
    }

    impl<F: Clone> Tangent<'_, ::alloc::vec::Vec<F>> for ::alloc::vec::Vec<F> {
        #[inline]
        fn tangent(&self) -> ::alloc::vec::Vec<F> {
            self.clone()
        }
    }

    /// See [`Tangent`].
    #[inline]
    pub fn tangent<'a, S: ?Sized + Tangent<'a, T>, T>(s: &'a S) -> T {
        s.tangent()
    }

    /// A zero tangent shaped like an array, slice or `Vec` (behind any references): for a
    /// constant array passed to a callee's `_jvp` beside differentiated arguments.
    pub trait ZeroTangent {
        type Zero;
        fn zero_tangent(&self) -> Self::Zero;
    }

    impl<F: Default + Copy, const N: usize> ZeroTangent for [F; N] {
        type Zero = [F; N];
        #[inline]
        fn zero_tangent(&self) -> [F; N] {
            [F::default(); N]
        }
    }

    impl<F: Default + Clone> ZeroTangent for [F] {
        type Zero = ::alloc::vec::Vec<F>;
        fn zero_tangent(&self) -> ::alloc::vec::Vec<F> {
            zeros(self.len())
        }
    }

    impl<F: Default + Clone> ZeroTangent for ::alloc::vec::Vec<F> {
        type Zero = ::alloc::vec::Vec<F>;
        fn zero_tangent(&self) -> ::alloc::vec::Vec<F> {
            zeros(self.len())
        }
    }

    impl<T: ZeroTangent + ?Sized> ZeroTangent for &T {
        type Zero = T::Zero;
        #[inline]
        fn zero_tangent(&self) -> T::Zero {
            (**self).zero_tangent()
        }
    }

    /// See [`ZeroTangent`].
    #[inline]
    pub fn zero_tangent<T: ZeroTangent + ?Sized>(x: &T) -> T::Zero {
        x.zero_tangent()
    }

    /// A zero gradient for a `&[[F; D]]` parameter of `n` rows: `vec![zero; n]`.
    #[must_use]
    pub fn rows_of<R: Clone>(zero: R, n: usize) -> ::alloc::vec::Vec<R> {
        ::alloc::vec![zero; n]
    }

    /// A zero gradient shaped like a `&[Vec<F>]` parameter.
    #[must_use]
    pub fn zeros_ragged<F: Default + Clone>(rows: &[::alloc::vec::Vec<F>]) -> ::alloc::vec::Vec<::alloc::vec::Vec<F>> {
        rows.iter().map(|r| ::alloc::vec![F::default(); r.len()]).collect()
    }

    /// A field of a differentiated struct, read as a value of float type `F`: a float field
    /// takes the partial derivative; a constant field (an integer, a `bool`) takes none. The
    /// read itself converts as the user's `as F` does (`p.n as f64`, `p.k as f64` of an `f32`).
    #[diagnostic::on_unimplemented(
        message = "a field of type `{Self}` is read from a differentiated struct as a `{F}` value",
        label = "read here",
        note = "read float fields (`p.x`) and elements of float array fields (`p.v[k]`); an integer or `bool` field is a constant"
    )]
    pub trait Field<F> {
        /// The field's value as an `F`.
        #[must_use]
        fn value(&self) -> F;
        /// `self += d` for a float; nothing for a constant.
        fn add_adjoint(&mut self, d: F);
        /// The tangent of the field: itself for a float, zero for a constant.
        #[must_use]
        fn tangent(&self) -> F;
    }

    macro_rules! float_field {
        ($($f:ty),*) => {$(
            impl Field<$f> for $f {
                #[inline]
                fn value(&self) -> $f {
                    *self
                }
                #[inline]
                fn add_adjoint(&mut self, d: $f) {
                    *self += d;
                }
                #[inline]
                fn tangent(&self) -> $f {
                    *self
                }
            }
        )*};
    }
    float_field!(f32, f64);

    // An `f32` field read in an `f64` function (`p.k as f64`), and the other way round: the
    // derivative is computed in the function's type and rounded into the field's.
    impl Field<f64> for f32 {
        #[inline]
        fn value(&self) -> f64 {
            f64::from(*self)
        }
        #[inline]
        #[allow(clippy::cast_possible_truncation)]
        fn add_adjoint(&mut self, d: f64) {
            *self += d as f32;
        }
        #[inline]
        fn tangent(&self) -> f64 {
            f64::from(*self)
        }
    }

    impl Field<f32> for f64 {
        #[inline]
        #[allow(clippy::cast_possible_truncation)]
        fn value(&self) -> f32 {
            *self as f32
        }
        #[inline]
        fn add_adjoint(&mut self, d: f32) {
            *self += f64::from(d);
        }
        #[inline]
        #[allow(clippy::cast_possible_truncation)]
        fn tangent(&self) -> f32 {
            *self as f32
        }
    }

    macro_rules! constant_field {
        ($($t:ty),*) => {$(
            impl<F: Default + num_traits::NumCast> Field<F> for $t {
                /// `p.n as f64`: what `as` gives (every primitive integer converts).
                #[inline]
                fn value(&self) -> F {
                    F::from(*self).unwrap_or_default()
                }
                #[inline]
                fn add_adjoint(&mut self, _: F) {}
                #[inline]
                fn tangent(&self) -> F {
                    F::default()
                }
            }
        )*};
    }
    constant_field!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize);

    impl<F: Default + num_traits::NumCast> Field<F> for bool {
        #[inline]
        fn value(&self) -> F {
            F::from(u8::from(*self)).unwrap_or_default()
        }
        #[inline]
        fn add_adjoint(&mut self, _: F) {}
        #[inline]
        fn tangent(&self) -> F {
            F::default()
        }
    }

    /// A field of a struct deriving `Differentiable` that is neither a float nor an array or
    /// `Vec` of floats: its zero gradient is its own when its type is `Differentiable` (a
    /// nested struct), otherwise it is a constant, cloned. The derive cannot see the field's
    /// type's impls; method resolution picks (autoref specialization, for the concrete types
    /// the derive names): `(&&Nested(&f)).zero_field()` finds [`NestedZero`] on `&Nested<T>`
    /// first when `T: Differentiable`, else [`ConstantField`] on `Nested<T>`.
    pub struct Nested<'a, T>(pub &'a T);

    /// See [`Nested`]: a nested `Differentiable` struct.
    pub trait NestedZero<T> {
        fn zero_field(&self) -> T;
    }

    impl<T: crate::Differentiable> NestedZero<T> for &Nested<'_, T> {
        #[inline]
        fn zero_field(&self) -> T {
            self.0.zero_gradient()
        }
    }

    /// See [`Nested`]: a constant field, cloned.
    pub trait ConstantField<T> {
        fn zero_field(&self) -> T;
    }

    impl<T: Clone> ConstantField<T> for Nested<'_, T> {
        #[inline]
        fn zero_field(&self) -> T {
            self.0.clone()
        }
    }

    /// In the hidden companion a function with a struct parameter gets for calls that pass
    /// structs whole (`__f_grad_for_struct_args`), the place of a parameter that is not in its
    /// `wrt(...)`: the caller's constant arguments there ignore it, a differentiated one fails
    /// [`received`] (a float or an array) or [`struct_gradient`] (a struct).
    #[derive(Clone, Copy, Debug)]
    pub struct NoGradient;

    /// A gradient a caller can use: anything but [`NoGradient`].
    #[diagnostic::on_unimplemented(
        message = "this argument is differentiated here, but the function called does not differentiate with respect to its parameter",
        label = "this call passes a differentiated struct, so it goes through the callee's companion for struct arguments",
        note = "add the parameter to the callee's `#[differentiate(wrt(...))]`, or pass a constant there"
    )]
    pub trait Received {}

    impl Received for f64 {}
    impl Received for f32 {}
    impl<T, const N: usize> Received for [T; N] {}
    impl<T> Received for ::alloc::vec::Vec<T> {}

    /// Checks that a call passing a differentiated struct got a gradient for a differentiated
    /// float or array argument.
    #[inline]
    pub fn received<T: Received>(_: &T) {}

    /// A struct's gradient from a call: `S` itself, never [`NoGradient`].
    #[diagnostic::on_unimplemented(
        message = "this `{S}` is differentiated here, but the function called does not differentiate with respect to the parameter it is passed to",
        label = "passed whole to a parameter that has no gradient: this struct's gradient through the call would be lost",
        note = "add that parameter to the callee's `#[differentiate(wrt(...))]` (`wrt(self, ..)` for a receiver), or pass the fields it reads instead of the whole struct"
    )]
    pub trait StructGradient<S> {
        fn into_struct_gradient(self) -> S;
    }

    impl<S> StructGradient<S> for S {
        #[inline]
        fn into_struct_gradient(self) -> S {
            self
        }
    }

    /// Checks that a call passing a differentiated struct of type `S` got its gradient back.
    #[inline]
    pub fn struct_gradient<S, G: StructGradient<S>>(g: G) -> S {
        g.into_struct_gradient()
    }

    /// `self += k * g` on every float-valued part of a struct deriving `Differentiable` (nested
    /// structs recursively, constant fields untouched), for each float type `K` of a caller: how
    /// a caller adds the struct gradient a callee returned, scaled by the call's adjoint, to its
    /// own, without seeing the struct's fields. The derive implements it for `K = f64` and
    /// `K = f32`; a hand-written `Differentiable` does not have it, so passing such a struct
    /// whole to a differentiated call is a compile error, never a dropped gradient.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot receive a gradient from a call: it does not `#[derive(gradmacro::Differentiable)]`",
        note = "a differentiated struct passed whole to a function or method adds the gradient that call returns through the derive's code; add `#[derive(gradmacro::Differentiable)]` to `{Self}`"
    )]
    pub trait AddScaled<K> {
        fn add_scaled(&mut self, g: &Self, k: K);
    }

    impl AddScaled<f64> for f64 {
        #[inline]
        fn add_scaled(&mut self, g: &Self, k: f64) {
            *self += k * *g;
        }
    }

    impl AddScaled<f32> for f64 {
        #[inline]
        fn add_scaled(&mut self, g: &Self, k: f32) {
            *self += f64::from(k) * *g;
        }
    }

    impl AddScaled<f32> for f32 {
        #[inline]
        fn add_scaled(&mut self, g: &Self, k: f32) {
            *self += k * *g;
        }
    }

    impl AddScaled<f64> for f32 {
        // An `f32` field's gradient is an `f32`: the `f64` adjoint rounds to it.
        #[allow(clippy::cast_possible_truncation)]
        #[inline]
        fn add_scaled(&mut self, g: &Self, k: f64) {
            *self += (k as f32) * *g;
        }
    }

    impl<K: Copy, T: AddScaled<K>, const N: usize> AddScaled<K> for [T; N] {
        #[inline]
        fn add_scaled(&mut self, g: &Self, k: K) {
            for (a, b) in self.iter_mut().zip(g) {
                a.add_scaled(b, k);
            }
        }
    }

    impl<K: Copy, T: AddScaled<K>> AddScaled<K> for ::alloc::vec::Vec<T> {
        #[inline]
        fn add_scaled(&mut self, g: &Self, k: K) {
            for (a, b) in self.iter_mut().zip(g) {
                a.add_scaled(b, k);
            }
        }
    }

    /// See [`Nested`] and [`AddScaled`]: a nested `Differentiable` struct adds its gradient.
    /// (A function pointer comes back so that the field is borrowed mutably only after the
    /// probe's shared borrow has ended.)
    pub trait NestedAdd<T> {
        fn add_f64(&self) -> Option<fn(&mut T, &T, f64)>;
        fn add_f32(&self) -> Option<fn(&mut T, &T, f32)>;
    }

    impl<T: AddScaled<f64> + AddScaled<f32>> NestedAdd<T> for &Nested<'_, T> {
        #[inline]
        fn add_f64(&self) -> Option<fn(&mut T, &T, f64)> {
            Some(<T as AddScaled<f64>>::add_scaled)
        }
        #[inline]
        fn add_f32(&self) -> Option<fn(&mut T, &T, f32)> {
            Some(<T as AddScaled<f32>>::add_scaled)
        }
    }

    /// See [`NestedAdd`]: a constant field has no gradient to add.
    pub trait ConstantAdd<T> {
        fn add_f64(&self) -> Option<fn(&mut T, &T, f64)>;
        fn add_f32(&self) -> Option<fn(&mut T, &T, f32)>;
    }

    impl<T> ConstantAdd<T> for Nested<'_, T> {
        #[inline]
        fn add_f64(&self) -> Option<fn(&mut T, &T, f64)> {
            None
        }
        #[inline]
        fn add_f32(&self) -> Option<fn(&mut T, &T, f32)> {
            None
        }
    }

    /// The zero gradient of a slice of differentiated structs: one
    /// [`Differentiable::zero_gradient`](crate::Differentiable::zero_gradient) per element.
    #[must_use]
    pub fn zero_gradients<T: crate::Differentiable>(xs: &[T]) -> ::alloc::vec::Vec<T> {
        xs.iter().map(crate::Differentiable::zero_gradient).collect()
    }

    /// The `num-traits` the generated code of a generic function `fn f<F: Float>` names, whatever
    /// the user's own import path.
    pub use ::num_traits;

    /// A constant of the engine (`1.0`, `0.5`, `LN_2`) as a value of a generic function's float
    /// type `F`. Exact for the values the engine writes; for `f64` and `f32` it folds to the
    /// literal, so a generic `f_grad` runs the same code as one written for the float type.
    #[allow(clippy::inline_always, reason = "a constant in the hot loop of a backward pass")]
    #[inline(always)]
    #[must_use]
    pub fn lit<F: ::num_traits::NumCast>(v: f64) -> F {
        match F::from(v) {
            ::core::option::Option::Some(x) => x,
            ::core::option::Option::None => ::core::panic!("the float type cannot represent the constant {v}"),
        }
    }

    /// [`lit`] for an integer (`n` in `powi`'s rule `n * a.powi(n - 1)`).
    #[allow(clippy::inline_always, reason = "a constant in the hot loop of a backward pass")]
    #[inline(always)]
    #[must_use]
    pub fn int_lit<F: ::num_traits::NumCast>(n: i32) -> F {
        lit(f64::from(n))
    }

    /// [`zeros`] for a generic float type (which need not implement `Default`).
    #[must_use]
    pub fn float_zeros<F: ::num_traits::Zero + Clone>(n: usize) -> ::alloc::vec::Vec<F> {
        ::alloc::vec![F::zero(); n]
    }

    /// [`reset_zeros`] for a generic float type.
    #[inline]
    pub fn float_reset_zeros<F: ::num_traits::Zero + Clone>(v: &mut ::alloc::vec::Vec<F>, n: usize) {
        v.clear();
        v.resize(n, F::zero());
    }

    /// [`zeros_ragged`] for a generic float type.
    #[must_use]
    pub fn float_zeros_ragged<F: ::num_traits::Zero + Clone>(
        rows: &[::alloc::vec::Vec<F>],
    ) -> ::alloc::vec::Vec<::alloc::vec::Vec<F>> {
        rows.iter().map(|r| ::alloc::vec![F::zero(); r.len()]).collect()
    }

    /// A zero gradient for a slice or `Vec` parameter of length `n`.
    #[must_use]
    pub fn zeros<F: Default + Clone>(n: usize) -> ::alloc::vec::Vec<F> {
        ::alloc::vec![F::default(); n]
    }

    /// `v` made `n` zeros long, in the room it already has: the adjoint of a buffer a loop
    /// declares again in every iteration is made once and reset per iteration.
    #[inline]
    pub fn reset_zeros<F: Default + Clone>(v: &mut ::alloc::vec::Vec<F>, n: usize) {
        v.clear();
        v.resize(n, F::default());
    }

    /// The position in the windowed array of element `j` of a window starting at `start` of
    /// length `len` (`w[j]` for `w` in `xs.windows(k)`), with the bounds check `w[j]` makes.
    #[inline]
    #[must_use]
    #[track_caller]
    pub fn window_index(start: usize, len: usize, j: usize) -> usize {
        assert!(j < len, "index out of bounds: the len is {len} but the index is {j}");
        start + j
    }

    /// The last entry of a tape shared by the runs of an inner loop, if it belongs to the run
    /// that began at `mark` (the tape's length then): a loop whose inner loops are taped during
    /// its forward run leaves every run's entries on the tape, and each run's backward pass pops
    /// only its own.
    #[inline]
    pub fn pop_above<T>(tape: &mut ::alloc::vec::Vec<T>, mark: usize) -> ::core::option::Option<T> {
        if tape.len() > mark { tape.pop() } else { ::core::option::Option::None }
    }
}

pub mod check;

mod checkpoint;

mod tape;

#[cfg(feature = "std")]
mod dual;

#[cfg(feature = "argmin")]
pub mod argmin;

#[cfg(feature = "nalgebra")]
#[doc(hidden)]
pub mod na;

/// The README's examples, run as doctests so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
