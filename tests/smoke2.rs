use gradmacro::differentiate;

#[differentiate]
fn sig(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[differentiate]
fn neuron(a: f64, b: f64, c: f64, x: f64, y: f64) -> f64 {
    sig(a * x + b * y + c)
}

fn softplus_grad(x: f64) -> (f64, f64) {
    let v = if x > 20.0 { x } else { x.exp().ln_1p() };
    (v, 1.0 / (1.0 + (-x).exp()))
}

#[differentiate]
fn uses_gate(x: f64, w: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        s += softplus(w[i] * x);
    }
    s
}

fn softplus(x: f64) -> f64 {
    softplus_grad(x).0
}

struct Model {
    k: f64,
}

impl Model {
    #[differentiate]
    fn f(&self, x: f64) -> f64 {
        self.k * x * x
    }

    #[differentiate]
    fn g(&self, x: f64, w: &[f64]) -> f64 {
        self.f(x) + dot(w, w) * self.k
    }
}

#[differentiate]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for (x, y) in a.iter().zip(b.iter()) {
        s += x * y;
    }
    s
}

#[test]
fn smoke2() {
    println!("{:?}", neuron_grad(1.0, 2.0, -3.0, -1.0, 3.0));
    println!("{:?}", uses_gate_grad(0.5, &[1.0, 2.0]));
    let m = Model { k: 2.0 };
    println!("{:?}", m.g_grad(3.0, &[1.0, 2.0]));
}
