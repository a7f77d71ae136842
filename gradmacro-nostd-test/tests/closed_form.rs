//! The gradients of the `no_std` crate's functions against their closed forms.

use gradmacro_nostd_test::{actuator, actuator_grad, weighted_error, weighted_error_grad};

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() <= 1e-5 * (1.0 + a.abs().max(b.abs()))
}

#[test]
fn weighted_error_matches_its_closed_form() {
    let (k, w, xs, ys) = (1.5_f32, [0.5_f32, 2.0, 1.0], [1.0_f32, -2.0, 3.0], [2.0_f32, -1.0, 4.0]);
    let (value, dk, dw) = weighted_error_grad(k, &w, &xs, &ys);
    assert_eq!(value.to_bits(), weighted_error(k, &w, &xs, &ys).to_bits());
    // d/dk = Σ 2 wᵢ (k xᵢ - yᵢ) xᵢ; d/dwᵢ = (k xᵢ - yᵢ)²
    let e: Vec<f32> = xs.iter().zip(&ys).map(|(x, y)| k * x - y).collect();
    let dk_closed: f32 = (0..3).map(|i| 2.0 * w[i] * e[i] * xs[i]).sum();
    assert!(close(dk, dk_closed), "{dk} vs {dk_closed}");
    assert_eq!(dw.len(), 3);
    for i in 0..3 {
        assert!(close(dw[i], e[i] * e[i]), "dw[{i}] = {} vs {}", dw[i], e[i] * e[i]);
    }
}

#[test]
fn actuator_matches_its_closed_form_on_both_sides_of_the_kink() {
    for (g, u, c) in [(2.0_f32, 0.75_f32, 0.25_f32), (2.0, -0.75, 0.25), (-1.0, 0.5, 3.0)] {
        let (value, dg, du, dc) = actuator_grad(g, u, c);
        assert_eq!(value.to_bits(), actuator(g, u, c).to_bits());
        let on = g * u > 0.0;
        let (dg_closed, du_closed) = if on { (u, g + u.signum() * c) } else { (0.0, u.signum() * c) };
        assert!(close(dg, dg_closed), "dg {dg} vs {dg_closed} at {g} {u} {c}");
        assert!(close(du, du_closed), "du {du} vs {du_closed} at {g} {u} {c}");
        assert!(close(dc, u.abs()), "dc {dc} vs {} at {g} {u} {c}", u.abs());
    }
}

#[test]
fn a_method_with_a_constant_receiver() {
    let m = gradmacro_nostd_test::Motor { gain: 3.0 };
    let (value, du) = m.torque_grad(-2.0);
    assert_eq!(value.to_bits(), m.torque(-2.0).to_bits());
    assert!(close(du, 2.0 * 3.0 * -2.0), "{du}");
}
