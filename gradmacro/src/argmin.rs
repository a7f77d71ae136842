//! A differentiated function as an [argmin](https://docs.rs/argmin) problem (feature `argmin`).
//!
//! [`Objective`] wraps a function returning `(value, gradient)` (a generated `f_grad`, or a
//! closure around one that fixes the constant arguments) and implements argmin's
//! [`CostFunction`] and [`Gradient`]. Solvers such as L-BFGS ask for the cost and the gradient at
//! the same point one after the other; [`Objective`] answers both from one `f_grad` call, kept
//! for the last point asked.
//!
//! ```
//! use argmin::core::{Executor, State};
//! use argmin::solver::linesearch::MoreThuenteLineSearch;
//! use argmin::solver::quasinewton::LBFGS;
//! use gradmacro::argmin::Objective;
//! use gradmacro::differentiate;
//!
//! #[differentiate]
//! fn bowl(x: &[f64]) -> f64 {
//!     (x[0] - 1.0) * (x[0] - 1.0) + 10.0 * (x[1] + 2.0) * (x[1] + 2.0)
//! }
//!
//! let solver = LBFGS::new(MoreThuenteLineSearch::new(), 5);
//! let result = Executor::new(Objective::new(bowl_grad), solver)
//!     .configure(|state| state.param(vec![0.0, 0.0]).max_iters(100))
//!     .run()?;
//! let best = result.state.get_best_param().unwrap();
//! assert!((best[0] - 1.0).abs() < 1e-6 && (best[1] + 2.0).abs() < 1e-6);
//! # Ok::<(), argmin::core::Error>(())
//! ```
//!
//! A function with constant arguments (data, hyper-parameters) is wrapped in a closure that
//! takes the parameter by reference: `Objective::new(|w: &[f64]| loss_grad(w, &xs, &ys))`.
//! The parameter type argmin sees is the gradient's type (`Vec<F>` for a slice or `Vec`
//! parameter, `[F; N]` for an array, the float itself for a scalar:
//! `Objective::new(|x: &f64| f_grad(*x))`).

use core::borrow::Borrow;
use core::cell::RefCell;
use core::marker::PhantomData;

pub use ::argmin::core::{CostFunction, Error, Gradient};

/// A function returning `(value, gradient)`, as an argmin [`CostFunction`] + [`Gradient`].
///
/// `G` is called with the parameter borrowed as `&A` (`&[f64]` for a `Vec<f64>` parameter, so a
/// generated `f_grad(x: &[f64])` fits as it is). The result for the last parameter is kept, so a
/// cost and a gradient asked at the same point cost one call of `G`.
pub struct Objective<G, A: ?Sized, F, D> {
    grad: G,
    last: RefCell<Option<(D, F, D)>>,
    arg: PhantomData<fn(&A)>,
}

impl<G, A, F, D> Objective<G, A, F, D>
where
    G: Fn(&A) -> (F, D),
    A: ?Sized,
    D: Borrow<A> + Clone + PartialEq,
    F: Copy,
{
    /// Wraps `grad` (e.g. a generated `f_grad`).
    pub fn new(grad: G) -> Self {
        Objective { grad, last: RefCell::new(None), arg: PhantomData }
    }

    /// The value and the gradient at `param`, computed once per point.
    pub fn value_and_gradient(&self, param: &D) -> (F, D) {
        if let Some((p, value, gradient)) = &*self.last.borrow()
            && p == param
        {
            return (*value, gradient.clone());
        }
        let (value, gradient) = (self.grad)(param.borrow());
        *self.last.borrow_mut() = Some((param.clone(), value, gradient.clone()));
        (value, gradient)
    }

    /// The wrapped function.
    pub fn into_inner(self) -> G {
        self.grad
    }
}

impl<G, A, F, D> CostFunction for Objective<G, A, F, D>
where
    G: Fn(&A) -> (F, D),
    A: ?Sized,
    D: Borrow<A> + Clone + PartialEq,
    F: Copy,
{
    type Param = D;
    type Output = F;

    fn cost(&self, param: &D) -> Result<F, Error> {
        Ok(self.value_and_gradient(param).0)
    }
}

impl<G, A, F, D> Gradient for Objective<G, A, F, D>
where
    G: Fn(&A) -> (F, D),
    A: ?Sized,
    D: Borrow<A> + Clone + PartialEq,
    F: Copy,
{
    type Param = D;
    type Gradient = D;

    fn gradient(&self, param: &D) -> Result<D, Error> {
        Ok(self.value_and_gradient(param).1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;
    use core::cell::Cell;

    #[test]
    fn cost_then_gradient_at_one_point_is_one_call() {
        let calls = Cell::new(0);
        // f(x) = x0² + 3 x1, gradient (2 x0, 3)
        let f = |x: &[f64]| {
            calls.set(calls.get() + 1);
            (x[0] * x[0] + 3.0 * x[1], vec![2.0 * x[0], 3.0])
        };
        let o = Objective::new(f);
        let p: Vec<f64> = vec![2.0, -1.0];
        assert_eq!(o.cost(&p).unwrap(), 1.0);
        assert_eq!(o.gradient(&p).unwrap(), vec![4.0, 3.0]);
        assert_eq!(calls.get(), 1);
        let q = vec![1.0, 0.0];
        assert_eq!(o.gradient(&q).unwrap(), vec![2.0, 3.0]);
        assert_eq!(o.cost(&q).unwrap(), 1.0);
        assert_eq!(o.cost(&p).unwrap(), 1.0);
        assert_eq!(calls.get(), 3);
    }

    #[test]
    fn scalar_parameter_through_a_closure() {
        let o = Objective::new(|x: &f64| (x.sin(), x.cos()));
        assert_eq!(o.cost(&0.5).unwrap(), 0.5_f64.sin());
        assert_eq!(o.gradient(&0.5).unwrap(), 0.5_f64.cos());
    }
}
