//! The soundness family (issue 11): random programs in which an active value reaches the
//! constructs the engine treats as constant or opaque (closures, method chains, blocks, casts,
//! references, struct and tuple expressions, constant functions, macro arguments, conditions).
//! `build.rs` expands each with the engine's source: a rejected program (a `compile_error!`) is
//! counted and left out; every other one is compiled here and checked against num-dual exactly
//! like the oracle's programs. A program that compiles and disagrees is a failure.

#[allow(
    unused_variables,
    unused_mut,
    unused_assignments,
    unused_parens,
    unused_imports,
    unused_braces,
    dead_code,
    unreachable_code,
    clippy::all
)]
mod programs {
    use gradmacro::differentiate;
    use verify::{
        ge, gt, le, lt, vabs, vabs_usize, vclamp, vfloor, vfract, vhypot, vmax, vmin, vmul_add, vpowf, vrem,
        vrem_euclid, vsign_negative, vsignum, vtrunc_i32,
    };
    include!(concat!(env!("OUT_DIR"), "/soundness.rs"));
}

#[test]
fn soundness() {
    let report = verify::run(programs::PROGRAMS, programs::SEED, 0);
    let mut tally: Vec<(String, usize)> = Vec::new();
    for (_, msg) in programs::REJECTED {
        let key: String = msg.chars().take(60).collect();
        match tally.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => tally.push((key, 1)),
        }
    }
    tally.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    println!(
        "soundness: programs generated {}, rejected at expansion {}, compiled and checked {}",
        programs::GENERATED,
        programs::REJECTED.len(),
        programs::PROGRAMS.len()
    );
    println!("rejections by message (first 60 characters):");
    for (k, n) in &tally {
        println!("  {n:5}  {k}");
    }
    println!("{report}");
    println!("disagreements: {}", report.failures.len());
    assert_eq!(programs::GENERATED, programs::REJECTED.len() + programs::PROGRAMS.len());
    assert!(report.failures.is_empty(), "{} disagreements", report.failures.len());
    assert!(report.skipped_fraction() < 0.05, "too many points skipped: {}", report.skipped_fraction());
}
