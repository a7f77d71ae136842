//! The exact oracle: every generated program `pK` (see `build.rs`) is checked at random points
//! against forward-mode dual numbers (num-dual): `pK_grad`'s value must equal `pK`'s bit for bit,
//! and its gradient must match the exact one to a relative tolerance, except at points where a
//! branch or kink is within rounding of flipping (those are counted and skipped). Every program
//! is `#[differentiate(forward)]` too: `pK_jvp` along a random direction must give `pK`'s value
//! bit for bit and the exact gradient dotted with the direction. The vector family `vK`
//! (vector outputs, calls to vector-valued helpers) is checked through `vK_jacobian` and
//! `vK_vjp`, or `vK_grad`. Programs without tuple or struct parameters are
//! `#[differentiate(hessian)]` too: `pK_hvp` along the jvp's direction must give `pK`'s value bit
//! for bit, `pK_grad`'s gradient and the exact `H·v` of hyper-dual numbers (num-dual's
//! `HyperDual64`, one evaluation per component). Programs that can be written generically have a
//! twin `pK_g<F: Float + ..>` (`build.rs`, `gen/generic.rs`) whose `pK_g_grad::<f64>` and
//! `pK_g_jvp::<f64>` must return the bits of `pK_grad` and `pK_jvp`.

#[allow(unused_variables, unused_mut, unused_assignments, unused_parens, unused_imports, unreachable_code, clippy::all)]
mod programs {
    use gradmacro::differentiate;
    use verify::{
        ge, gt, le, lt, vabs, vabs_usize, vclamp, vfloor, vfract, vhypot, vmax, vmin, vmul_add, vpowf, vrem,
        vrem_euclid, vsign_negative, vsignum,
    };
    include!(concat!(env!("OUT_DIR"), "/programs.rs"));
}

#[test]
fn oracle() {
    let report = verify::run(programs::PROGRAMS, programs::SEED, programs::FIRST);
    println!("{report}");
    // the vector family (`gen/vector.rs`): `vK_jacobian` row by row and `vK_vjp`, or `vK_grad`
    // of a program calling vector-valued helpers, against one dual evaluation per component; run
    // before any assertion, so a failure in one family does not hide the other's report
    let vreport = verify::run_vector(programs::VPROGRAMS, programs::SEED, programs::VFIRST);
    println!("{vreport}");
    println!(
        "generic twins written: {} of {} programs (without one, by first reason among those with no helper, tuple or struct parameter: {})",
        programs::GENERIC_TWINS,
        programs::PROGRAMS.len(),
        programs::GENERIC_SKIPPED
    );
    println!(
        "checkpoint: {} of {} programs and {} of {} vector programs are `#[differentiate(checkpoint)]` (half of those whose expansion it changes)",
        programs::CHECKPOINTED,
        programs::PROGRAMS.len(),
        programs::VCHECKPOINTED,
        programs::VPROGRAMS.len()
    );
    println!(
        "forward mode: {} of {} programs have a forward-mode pK_grad (few float parameters, a loop the reverse pass would tape)",
        programs::FORWARD_MODE,
        programs::PROGRAMS.len()
    );
    assert!(report.failures.is_empty(), "{} failures", report.failures.len());
    // the generic twins `pK_g<F: Float>`: `pK_g_grad::<f64>` and `pK_g_jvp::<f64>` bit-identical
    // to `pK_grad` and `pK_jvp` at every checked point (a mismatch is a failure above)
    if programs::GENERIC_TWINS > 0 {
        assert!(report.generic_programs > 0 && report.generic_checked > 0, "generic twins compared");
    }
    assert_eq!(report.generic_failures, 0, "generic twins bit-identical");
    // every program is `forward` too, but those passing a struct whole to a call: each other
    // checked point checks `pK_jvp`
    assert_eq!(report.jvp_checked + report.no_jvp_checked, report.checked, "pK_jvp compared at every checked point");
    assert!(report.no_jvp_checked * 10 < report.checked, "most points check pK_jvp");
    assert!(report.skipped_fraction() < 0.05, "too many points skipped: {}", report.skipped_fraction());
    // programs without tuple or struct parameters are `hessian` too: `pK_hvp` against
    // hyper-dual numbers at their checked points
    assert!(report.hvp_checked > 0, "pK_hvp compared");
    assert!(vreport.failures.is_empty(), "{} failures in the vector family", vreport.failures.len());
    assert!(vreport.skipped_fraction() < 0.05, "too many points skipped: {}", vreport.skipped_fraction());
    if !programs::VPROGRAMS.is_empty() {
        assert!(vreport.vjp_checked > 0 && vreport.rows_checked > vreport.checked, "vector outputs checked");
    }
}
