//! Constant arguments of differentiated calls: `const` items, fields, float method results and
//! array literals before the differentiated arguments, and a parameter named like the callee's
//! companion. Each program checks its gradients against closed forms.

#[path = "calls_constants/const_argument.rs"]
mod const_argument;
#[path = "calls_constants/field_argument.rs"]
mod field_argument;
#[path = "calls_constants/param_named_like_companion.rs"]
mod param_named_like_companion;

#[test]
fn const_items_as_call_arguments() {
    const_argument::main();
}

#[test]
fn fields_method_results_and_array_literals_as_call_arguments() {
    field_argument::main();
}

#[test]
fn parameter_named_like_the_companion() {
    param_named_like_companion::main();
}
