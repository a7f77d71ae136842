#!/usr/bin/env bash
# Compile cost of #[differentiate] as a user sees it: generates a throwaway crate of 100
# functions (each about 30 gates: a loop over a slice, a branch, transcendental gates) twice,
# once with `#[differentiate]` on every function and once without, with a path dependency on the
# `gradmacro` facade of this repository, and builds each from clean (its own target directory),
# debug and release. Prints, per variant and profile, the clean build's wall time (dependencies
# included: syn, quote, the proc macro...) and the crate's own rustc time (`touch src/lib.rs`,
# rebuild: only the generated crate is compiled, non-incremental).
#
# Usage: benches/compile_cost.sh [FUNCTIONS]   (default 100). Needs the registry cache that
# `cargo build` in this repository fills (it runs `cargo build --offline` with this
# repository's Cargo.lock). The temporary directory is removed at the end.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count="${1:-100}"
work="$(mktemp -d -t gradmacro-compile-cost.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# one function of the crate: `$1` is its index, `$2` the attribute line (or nothing)
function_src() {
    cat <<EOF
$2
pub fn f$1(x: f64, y: f64, w: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in w {
        s += (v * x + y).tanh() * v;
    }
    let a = x * y + $1.0 * x.sin();
    let b = if a > s { a * a - s } else { s.exp() - a };
    let c = (b * b + 1.0).ln() + x.cos() * y;
    let e = c.max(a) * (1.0 + y * y).sqrt() - b / (1.0 + x * x);
    e * e + c * s - a.powi(3)
}

EOF
}

make_crate() { # $1: directory, $2: attribute line
    mkdir -p "$1/src"
    cat >"$1/Cargo.toml" <<EOF
[package]
name = "compile-cost"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
gradmacro = { path = "$repo/gradmacro" }

[workspace]
EOF
    cp "$repo/Cargo.lock" "$1/Cargo.lock"
    {
        echo "#![allow(unused_imports)]"
        echo "use gradmacro::differentiate;"
        echo
        for i in $(seq 1 "$count"); do function_src "$i" "$2"; done
    } >"$1/src/lib.rs"
}

seconds() { # runs "$@" quietly, prints its wall time in seconds
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; return 1; }
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

make_crate "$work/with" "#[differentiate]"
make_crate "$work/without" ""

echo "crate of $count functions; rustc $(rustc --version | cut -d' ' -f2); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %-8s %12s %12s\n' profile variant "clean (s)" "crate (s)"
for profile in debug release; do
    flag=""
    [ "$profile" = release ] && flag="--release"
    for variant in without with; do
        dir="$work/$variant"
        export CARGO_TARGET_DIR="$work/target-$variant-$profile" CARGO_INCREMENTAL=0
        clean=$(cd "$dir" && seconds cargo build --offline $flag)
        touch "$dir/src/lib.rs"
        crate=$(cd "$dir" && seconds cargo build --offline $flag)
        printf '%-8s %-8s %12.2f %12.2f\n' "$profile" "$variant" "$clean" "$crate"
    done
done
