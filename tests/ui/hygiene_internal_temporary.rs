use gradmacro::differentiate;

#[differentiate]
fn neuron(a: f64, x: f64) -> f64 {
    let q = a * x;
    q.tanh()
}

fn main() {
    let (value, da, dx) = neuron_grad(0.5, 2.0);
    let leaked = __v0 + __d0 + __g0;
    let _ = (value, da, dx, leaked);
}
