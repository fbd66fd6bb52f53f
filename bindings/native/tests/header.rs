//! `include/vmrotate.h` declares exactly the functions `src/abi.rs` exports, with the same
//! parameters, and the same ABI version.

use std::collections::BTreeSet;

const ABI_RS: &str = include_str!("../src/abi.rs");
const HEADER: &str = include_str!("../include/vmrotate.h");

/// One exported function: its name, parameters (name, Rust type) and return type.
struct Export {
    name: String,
    params: Vec<(String, String)>,
    returns: Option<String>,
}

/// The `extern "C" fn`s of `source`.
fn exports(source: &str) -> Vec<Export> {
    source
        .split("extern \"C\" fn ")
        .skip(1)
        .map(|rest| {
            let (name, rest) = rest.split_once('(').expect("a parameter list");
            let (params, rest) = rest.split_once(')').expect("the parameter list ends");
            let signature_end = rest.find('{').expect("a body");
            let returns = rest[..signature_end]
                .trim()
                .strip_prefix("->")
                .map(|ty| ty.trim().to_owned());
            let params = params
                .split(',')
                .map(str::trim)
                .filter(|param| !param.is_empty())
                .map(|param| {
                    let (name, ty) = param.split_once(':').expect("name: type");
                    (name.trim().to_owned(), ty.trim().to_owned())
                })
                .collect();
            Export {
                name: name.trim().to_owned(),
                params,
                returns,
            }
        })
        .collect()
}

/// The C spelling of a Rust FFI type.
fn c_type(rust: &str) -> String {
    if let Some(pointee) = rust.strip_prefix("*const ") {
        return format!("const {} *", c_type(pointee));
    }
    if let Some(pointee) = rust.strip_prefix("*mut ") {
        return format!("{} *", c_type(pointee));
    }
    match rust {
        "c_char" => "char",
        "c_void" => "void",
        "VmrClient" | "VmrEventCallback" => rust,
        other => panic!("no C spelling for the Rust type {other}: add it to c_type"),
    }
    .to_owned()
}

/// `text` with single spaces and none around `*`, so `char *f(VmrClient **c)` and
/// `char* f(VmrClient** c)` compare equal.
fn normalize(text: &str) -> String {
    let spaced = text.split_whitespace().collect::<Vec<_>>().join(" ");
    spaced.replace(" *", "*").replace("* ", "*")
}

/// The prototype the header must hold for `export`.
fn prototype(export: &Export) -> String {
    let returns = export.returns.as_deref().map_or("void".to_owned(), c_type);
    let params = if export.params.is_empty() {
        "void".to_owned()
    } else {
        export
            .params
            .iter()
            .map(|(name, ty)| format!("{} {name}", c_type(ty)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    normalize(&format!("{returns} {}({params});", export.name))
}

/// The header's function prototypes (the declarations of `vmr_*` functions).
fn header_prototypes() -> BTreeSet<String> {
    HEADER
        .split(';')
        .map(|declaration| {
            // Drop the comments and preprocessor lines before the declaration.
            declaration
                .lines()
                .filter(|line| {
                    let line = line.trim_start();
                    !(line.starts_with('#')
                        || line.starts_with("/*")
                        || line.starts_with('*')
                        || line.starts_with("//"))
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|declaration| declaration.contains("vmr_") && declaration.contains('('))
        .filter(|declaration| !declaration.contains("typedef"))
        .map(|declaration| normalize(&format!("{};", declaration.replace("extern \"C\" {", ""))))
        .collect()
}

#[test]
fn the_header_declares_every_exported_function_as_exported() {
    let exports = exports(ABI_RS);
    assert!(exports.len() >= 7, "found only {} exports", exports.len());
    let expected: BTreeSet<String> = exports.iter().map(prototype).collect();
    let declared = header_prototypes();
    let missing: Vec<_> = expected.difference(&declared).collect();
    let extra: Vec<_> = declared.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "include/vmrotate.h is out of date with src/abi.rs:\n  missing or different: {missing:#?}\n  not exported: {extra:#?}"
    );
    let no_mangle = ABI_RS.matches("#[unsafe(no_mangle)]").count();
    assert_eq!(
        no_mangle,
        exports.len(),
        "every extern fn is exported unmangled"
    );
}

#[test]
fn the_header_has_the_abi_version() {
    let define = format!(
        "#define VMR_ABI_VERSION {}",
        vmrotate_native::VMR_ABI_VERSION
    );
    assert!(HEADER.contains(&define), "the header lacks `{define}`");
}

#[test]
fn the_callback_type_matches() {
    assert!(ABI_RS.contains("callback: VmrEventCallback"));
    let events = include_str!("../src/events.rs");
    assert!(events.contains(
        "Option<unsafe extern \"C\" fn(event_json: *const c_char, user_data: *mut c_void)>"
    ));
    assert!(
        HEADER
            .contains("typedef void (*VmrEventCallback)(const char *event_json, void *user_data);")
    );
}
