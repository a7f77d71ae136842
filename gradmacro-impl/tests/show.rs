//! `GRADMACRO_SHOW=path/to/file.rs cargo test -p gradmacro-impl --test show -- --nocapture`
//! prints the expansion of the first function in that file: a debugging aid.

mod common;

#[test]
fn show() {
    let Ok(path) = std::env::var("GRADMACRO_SHOW") else {
        return;
    };
    let src = std::fs::read_to_string(path).expect("readable file");
    let (attr, item) = match src.find("]\n") {
        Some(i) if src.trim_start().starts_with("#[differentiate") => {
            let head = &src[..i];
            let attr = head.find('(').map_or("", |p| &head[p + 1..head.len() - 1]);
            (attr.to_owned(), src[i + 2..].to_owned())
        }
        _ => (String::new(), src),
    };
    println!("{}", common::expand_pretty(&attr, &item));
}
