//! Not published: this package hosts gradmacro's integration tests (`tests/`), examples
//! (`examples/`) and benchmarks (`benches/`), and depends on the macro exactly as a user crate
//! would, through the `gradmacro` facade only.
