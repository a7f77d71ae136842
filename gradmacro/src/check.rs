//! Numerical gradient checks (placeholder: being written).
